//! The OpenAPI document describes exactly the API routes of the route table.

use std::collections::BTreeSet;

use psa::http::routes::{Access, table};

use crate::helpers::{browser, spawn_app};

#[actix_web::test]
async fn the_openapi_document_matches_the_route_table() {
    let app = spawn_app().await;
    let response = browser()
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let doc: serde_json::Value = response.json().await.unwrap();
    assert!(doc["openapi"].as_str().unwrap().starts_with("3."));
    let mut documented = BTreeSet::new();
    for (path, operations) in doc["paths"].as_object().unwrap() {
        for method in operations.as_object().unwrap().keys() {
            documented.insert(format!("{} {path}", method.to_uppercase()));
        }
    }
    let routed: BTreeSet<String> = table()
        .iter()
        .filter(|s| {
            let api = s.path.starts_with("/api/") || matches!(s.path, "/healthz" | "/readyz");
            api && s.path != "/api/v1/openapi.json"
        })
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert_eq!(documented, routed);
    // Every protected operation documents its refusals.
    for spec in table()
        .iter()
        .filter(|s| s.path.starts_with("/api/") && s.access != Access::Public)
    {
        let responses = &doc["paths"][spec.path][spec.method.as_str().to_lowercase()]["responses"];
        assert!(
            responses["401"].is_object(),
            "{} {} documents 401",
            spec.method,
            spec.path
        );
        if spec.access != Access::Staff {
            assert!(
                responses["403"].is_object(),
                "{} {} documents 403",
                spec.method,
                spec.path
            );
        }
    }
    assert!(doc["components"]["securitySchemes"]["bearer"].is_object());
    let problem = &doc["components"]["schemas"]["Problem"];
    assert!(
        problem["required"].as_array().unwrap().len() >= 4,
        "{problem}"
    );
    // The results carry DOMAIN.md's field names; a hidden group is documented as only that.
    let results =
        &doc["paths"]["/api/v1/rounds/{id}/results"]["get"]["responses"]["200"]["content"];
    assert_eq!(
        results["application/json"]["schema"]["$ref"],
        "#/components/schemas/RoundResults"
    );
    let schemas = &doc["components"]["schemas"];
    // The JSON export's versioned schema is documented.
    let export = &schemas["RieExport"]["properties"];
    for field in ["schema", "method", "results", "plan", "checklist", "review"] {
        assert!(export[field].is_object(), "RieExport.{field}");
    }
    let category = schemas["CategoryResult"].to_string();
    for field in [
        "\"n\"",
        "exposed_pct",
        "weekly_ci_low",
        "high_strain_pct",
        "source_pct",
        "trend",
    ] {
        assert!(category.contains(field), "{field} in {category}");
    }
    let risk = schemas["RiskEvaluation"].to_string();
    for field in [
        "light",
        "fk_r",
        "fk_class",
        "benchmark_pct",
        "above_benchmark",
    ] {
        assert!(risk.contains(field), "{field} in {risk}");
    }
    let hidden =
        &schemas["GroupResult"]["properties"]["categories"]["additionalProperties"]["oneOf"][1];
    assert_eq!(hidden["required"], serde_json::json!(["suppressed"]));
    assert_eq!(hidden["additionalProperties"], false);
}
