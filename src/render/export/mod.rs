//! The RI&E PSA export's formats, all rendered from one `RieExport`: its tables (for CSV and
//! XLSX, and the PDF's tables), the CSV files in a zip, the workbook, the JSON and the PDF.

pub mod pdf;
pub mod tables;
