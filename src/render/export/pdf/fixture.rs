//! A whole export made by hand for the PDF's tests: results computed from synthetic answers to
//! `questionnaires/psa-basis.toml`, a plan with history, the checklist, consent and review, and
//! the tables in the shape `tables` gives them (the columns the PDF reads).

use chrono::NaiveDate;

use crate::domain::Questionnaire;
use crate::domain::answers::Answers;
use crate::domain::plan::ItemStatus;
use crate::domain::policy::{
    ChecklistEntry, Consent, PolicyAnswer, PolicyTopic, ReportFile, Review,
};
use crate::domain::questionnaire::{CategoryKind, ItemKind};
use crate::domain::results::compute;
use crate::domain::risk::Light;
use crate::domain::round::{FrozenUnit, MinGroupSize};
use crate::export::document::{
    CategoryPart, Method, OrganisationPart, PlanPart, ResponsePart, RieExport, RoundPart, UnitPart,
    UnitResponse, response_pct,
};
use crate::i18n::Lang;
use crate::plan::{HistoryEntryView, MissingRisk, PlanItemView};
use crate::render::export::tables::Table;

pub const ORGANISATION: &str = "Zorggroep Voorbeeld";

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// Departments of nineteen teams each, `units` in all.
fn units(count: usize) -> Vec<FrozenUnit> {
    (0..count)
        .map(|i| {
            let department = format!("Afdeling {}", i / 20 + 1);
            if i % 20 == 0 {
                FrozenUnit {
                    id: format!("u{i}"),
                    parent: None,
                    name: department.clone(),
                    path: department,
                    headcount: None,
                }
            } else {
                let name = format!("Team {}", i % 20);
                FrozenUnit {
                    id: format!("u{i}"),
                    parent: Some(format!("u{}", i - i % 20)),
                    path: format!("{department}/{name}"),
                    name,
                    headcount: None,
                }
            }
        })
        .collect()
}

/// Answers that look like a survey's, from a small deterministic generator.
fn answers(q: &Questionnaire, seed: u64) -> Answers {
    let mut state = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut next = move |below: u64| {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state % below
    };
    let values = q
        .items
        .iter()
        .map(|item| {
            let scale = &q.scales[&item.scale];
            let span = u64::try_from(scale.max - scale.min + 1).expect("a scale");
            let any = |v: u64| scale.min + i32::try_from(v).expect("small");
            Some(match item.kind {
                ItemKind::Strain => any(next(span)),
                // Most people meet no unwanted behaviour.
                _ if next(10) < 8 => scale.min,
                _ => any(next(span)),
            })
        })
        .collect();
    Answers {
        values,
        sources: Default::default(),
    }
}

/// An export of a closed round over `unit_count` units with `respondents` responses.
pub fn export(lang: Lang, unit_count: usize, respondents: usize) -> (RieExport, Vec<Table>) {
    let q = Questionnaire::parse(include_str!("../../../../questionnaires/psa-basis.toml"))
        .expect("the default questionnaire");
    let frozen = units(unit_count);
    let responses = (0..respondents).map(|r| {
        let unit = &frozen[(r * 7919) % frozen.len()];
        (unit.id.clone(), answers(&q, r as u64))
    });
    let k = MinGroupSize::new(10).expect("a valid k");
    let results = compute(&q, &frozen, responses, k);
    let text = |texts: &crate::domain::questionnaire::Texts| texts[lang.code()].clone();
    let invited = (respondents as u64) * 4 / 3;
    let doc = RieExport {
        schema: crate::export::document::SCHEMA.to_owned(),
        id: "exp_7Hq2LmXw9RzT4bYc".to_owned(),
        created_at: "2026-11-29T09:30:00Z".to_owned(),
        date: date(2026, 11, 29),
        lang,
        organisation: OrganisationPart {
            name: ORGANISATION.to_owned(),
            headcount: Some(invited as u32),
        },
        round: RoundPart {
            id: "r1".to_owned(),
            name: "Medewerkersonderzoek najaar 2026".to_owned(),
            opened_at: Some("2026-10-01T07:00:00Z".to_owned()),
            closed_at: Some("2026-10-29T17:00:00Z".to_owned()),
        },
        method: Method {
            questionnaire_id: q.id.clone(),
            questionnaire_version: q.version.clone(),
            questionnaire_title: text(&q.title),
            questionnaire_digest:
                "9f2c4e1a7b3d5f60c8e2a4b6d8f0a1c3e5f7091b3d5f7a9c1e3f5a7b9d1f3a5c".to_owned(),
            catalogue: "psa-maatregelen 1".to_owned(),
            period_from: Some(date(2026, 10, 1)),
            period_to: Some(date(2026, 10, 29)),
            whole_organisation: true,
            units: frozen
                .iter()
                .map(|u| UnitPart {
                    id: u.id.clone(),
                    path: u.path.clone(),
                    headcount: None,
                })
                .collect(),
            languages: vec!["nl".to_owned(), "en".to_owned()],
            k: k.get(),
        },
        categories: q
            .categories
            .iter()
            .map(|c| CategoryPart {
                id: c.id.clone(),
                name: text(&c.name),
                kind: match c.kind {
                    CategoryKind::Behaviour => "behaviour",
                    CategoryKind::Strain => "strain",
                }
                .to_owned(),
            })
            .collect(),
        response: ResponsePart {
            invited,
            responded: respondents as u64,
            response_pct: response_pct(invited, respondents as u64),
            units: frozen
                .iter()
                .take(3)
                .map(|u| UnitResponse {
                    unit_id: u.id.clone(),
                    path: u.path.clone(),
                    invited: 40,
                    responded: 27,
                    response_pct: response_pct(40, 27),
                })
                .collect(),
        },
        results,
        plan: plan(),
        checklist: PolicyTopic::ALL
            .into_iter()
            .enumerate()
            .map(|(i, topic)| ChecklistEntry {
                topic,
                answer: (i < 5).then_some(if i % 2 == 0 {
                    PolicyAnswer::Yes
                } else {
                    PolicyAnswer::Partly
                }),
                date: (i < 5).then(|| date(2026, 9, 1)),
                note: (i == 1).then(|| "Extern, via de arbodienst".to_owned()),
            })
            .collect(),
        consent: Some(Consent {
            date: date(2026, 11, 20),
            note: Some("Ingestemd in de OR-vergadering".to_owned()),
        }),
        review: Some(Review {
            date: date(2026, 11, 25),
            name: "drs. A. de Vries".to_owned(),
            certificate: "A&O-12345".to_owned(),
            note: None,
            report: Some(ReportFile {
                file_name: "toetsing-rie-2026.pdf".to_owned(),
                size: 123_456,
                sha256: "0b1c2d3e4f5a6b7c8d9e0f1a2b3c4d5e6f7a8b9c0d1e2f3a4b5c6d7e8f9a0b1c"
                    .to_owned(),
            }),
        }),
        vpo_reports: Some(vpo_reports()),
    };
    let tables = crate::render::export::tables::tables(&doc, &q);
    (doc, tables)
}

fn plan() -> PlanPart {
    let item = |id: &str, category: &str, measure: &str, status| PlanItemView {
        id: id.to_owned(),
        category: category.to_owned(),
        unit_id: None,
        scope_path: String::new(),
        sources: vec!["collega".to_owned()],
        round_id: Some("r1".to_owned()),
        signal: "round".to_owned(),
        measure: measure.to_owned(),
        measure_id: None,
        level: "collective".to_owned(),
        priority: 3,
        owner_user_id: None,
        owner_account: None,
        owner_name: Some("J. Jansen".to_owned()),
        owner_email: Some("j.jansen@example.nl".to_owned()),
        owner_role: Some("HR-adviseur".to_owned()),
        start_date: Some(date(2026, 12, 1)),
        deadline: Some(date(2027, 5, 31)),
        budget: Some("€ 2.500".to_owned()),
        status,
        note: Some("Met de OR afgestemd; de gedragscode wordt in alle teams besproken.".to_owned()),
        residual_risk: Some("oranje".to_owned()),
        evaluation_date: Some(date(2027, 9, 1)),
        created_at: "2026-11-02T10:00:00Z".to_owned(),
        completed_by: None,
        completed_on: None,
        signed_off_by: None,
        overdue: false,
    };
    // Creating an item records each of its fields at one moment; later saves what changed.
    let change = |seq: i64, day: u8, field: &str, old: Option<&str>, new: &str| HistoryEntryView {
        seq,
        item_id: "itm_A1b2C3d4E5f6G7h8I9j0Kl".to_owned(),
        at: format!("2026-11-0{day}T10:00:00Z"),
        who: "hr@example.nl".to_owned(),
        field: field.to_owned(),
        old: old.map(str::to_owned),
        new: Some(new.to_owned()),
        hash: format!("{seq:064}"),
    };
    PlanPart {
        items: vec![
            item(
                "itm_A1b2C3d4E5f6G7h8I9j0Kl",
                "pesten",
                "Gedragscode opstellen en bespreken",
                ItemStatus::InProgress,
            ),
            item(
                "itm_Z9y8X7w6V5u4T3s2R1q0Po",
                "werkdruk",
                "Werkoverleg over de verdeling van taken",
                ItemStatus::Planned,
            ),
        ],
        complete: false,
        missing: vec![MissingRisk {
            round_id: "r1".to_owned(),
            category: "agressie_geweld".to_owned(),
            unit_id: None,
            path: String::new(),
            light: Light::Red,
            fk_class: 4,
        }],
        history: vec![
            change(1, 1, "measure", None, "Gedragscode opstellen en bespreken"),
            change(2, 1, "owner_name", None, "J. Jansen"),
            change(3, 3, "status", Some("planned"), "in_progress"),
            change(4, 3, "note", None, "Concept besproken met de OR"),
        ],
        intact: true,
        head: "3c9a1f0e7d2b4c6a8e0f1d3b5a7c9e1f2a4b6c8d0e2f4a6b8c0d2e4f6a8b0c2d".to_owned(),
    }
}

/// Seven reports of bullying and two of discrimination in the round's year.
fn vpo_reports() -> crate::domain::vpo::report::PeriodSignals {
    use crate::domain::vpo::{Behaviour, CaseFacts, Quarter};
    let case = |behaviour| CaseFacts {
        quarter: Quarter::parse("2026-Q3").expect("a quarter"),
        in_scope: true,
        behaviours: [behaviour].into(),
        sources: Default::default(),
        actions: Default::default(),
        referrals: Default::default(),
    };
    let mut cases = vec![case(Behaviour::Bullying); 7];
    cases.extend(vec![case(Behaviour::Discrimination); 2]);
    crate::domain::vpo::report::period_signals(&cases, date(2026, 10, 29))
}
