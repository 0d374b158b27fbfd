//! The plan pages: from a round's suggestions to an owned item, sign-off by a second account,
//! the progress and the history, in Dutch and English; who may see and do what.

use psa::domain::Role;
use serde_json::json;

use crate::helpers::{TestApp, csrf_of};
use crate::results::run_round;
use crate::rounds::{hr, import};

/// A logged-in browser with its form token.
struct Browser<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    csrf: String,
}

impl<'a> Browser<'a> {
    async fn login(app: &'a TestApp, email: &str) -> Browser<'a> {
        let client = app.login(email).await;
        let home = client.get(app.url("/")).send().await.unwrap();
        let csrf = csrf_of(&home.text().await.unwrap());
        Browser { app, client, csrf }
    }

    async fn get(&self, path: &str) -> (u16, String) {
        let response = self
            .client
            .get(self.app.url(path))
            .header("Accept-Language", "nl")
            .send()
            .await
            .unwrap();
        (response.status().as_u16(), response.text().await.unwrap())
    }

    /// Posts a form; the status and where it leads (a redirect) or the page.
    async fn post(&self, path: &str, fields: &[(&str, &str)]) -> (u16, String) {
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf", &self.csrf));
        let response = self
            .client
            .post(self.app.url(path))
            .header("Accept-Language", "nl")
            .form(&form)
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        let location = response
            .headers()
            .get("location")
            .map(|l| l.to_str().unwrap().to_owned());
        match location {
            Some(location) => (status, location),
            None => (status, response.text().await.unwrap()),
        }
    }
}

/// Every form field of an item's page as it stands, with `changes` applied.
fn item_form<'a>(changes: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut fields = vec![
        ("measure", "Gedragscode met de OR opstellen"),
        ("owner_user_id", ""),
        ("owner_name", ""),
        ("owner_email", ""),
        ("owner_role", "HR-adviseur"),
        ("start_date", ""),
        ("deadline", ""),
        ("budget", "€ 2.000"),
        ("status", "planned"),
        ("note", ""),
        ("residual_risk", ""),
        ("evaluation_date", ""),
    ];
    for (name, value) in changes {
        fields.retain(|(n, _)| n != name);
        fields.push((name, value));
    }
    fields
}

#[actix_web::test]
async fn hr_builds_the_plan_in_the_pages_and_a_second_account_signs_off() {
    let app = crate::helpers::spawn_app().await;
    let api = hr(&app).await;
    let units = import(&api, "A\nB\n").await;
    let round = run_round(&app, &api, &units, "2026", &[], 3).await;
    let organisation = psa::db::organisations::list(&mut app.conn())
        .unwrap()
        .remove(0);
    app.add_member(&organisation.id, "preventie@example.nl", Role::Prevention);
    app.add_member(&organisation.id, "or@example.nl", Role::Council);
    let hr = Browser::login(&app, "owner@example.nl").await;

    let (status, plan) = hr.get("/plan").await;
    assert_eq!(status, 200);
    assert!(plan.contains("Niet volledig"), "no items yet: {plan}");
    assert!(
        plan.contains("pesten · Hele organisatie: rood, klasse 4"),
        "{plan}"
    );
    assert!(plan.contains(&format!("/rounds/{round}/suggestions")));

    let (status, suggestions) = hr.get(&format!("/rounds/{round}/suggestions")).await;
    assert_eq!(status, 200);
    assert!(suggestions.contains("bronmaatregel"));
    assert!(suggestions.contains("value=\"gedragscode\""));
    let (status, location) = hr
        .post(
            "/plan/items",
            &[
                ("round_id", &round),
                ("category", "pesten"),
                ("unit_id", ""),
                ("measure_id", "gedragscode"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    assert!(location.starts_with("/plan/items/"), "{location}");
    let (status, item) = hr.get(&location).await;
    assert_eq!(status, 200);
    assert!(item.contains("een afgesloten ronde"), "raised by the round");

    // A bad date and a half owner: the page again, with the problems in Dutch; nothing changed.
    let (status, page) = hr
        .post(
            &location,
            &item_form(&[("deadline", "31-12-2026"), ("owner_name", "J. de Vries")]),
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("De termijn is geen datum"), "{page}");
    let (status, page) = hr
        .post(&location, &item_form(&[("owner_name", "J. de Vries")]))
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("een naam en een geldig e-mailadres"));

    // The owner is an account; choosing it drops any name typed beside it.
    let members: serde_json::Value = api.get("/api/v1/members").await;
    let prevention_id = members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == "preventie@example.nl")
        .unwrap()["user_id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (status, back) = hr
        .post(
            &location,
            &item_form(&[
                ("owner_user_id", &prevention_id),
                ("owner_name", "vergeten"),
                ("status", "in_progress"),
            ]),
        )
        .await;
    assert_eq!(status, 303, "{back}");
    let (_, plan) = hr.get("/plan").await;
    assert!(plan.contains("Volledig:"), "{plan}");
    assert!(plan.contains("preventie@example.nl"));
    assert!(plan.contains("in uitvoering"));

    // With sign-off required, done awaits a second account; the reporter cannot sign.
    api.patch("/api/v1/organisation", json!({"plan_sign_off": true}))
        .await;
    let (status, _) = hr
        .post(
            &location,
            &item_form(&[("owner_user_id", &prevention_id), ("status", "done")]),
        )
        .await;
    assert_eq!(status, 303);
    let (_, plan) = hr.get("/plan").await;
    assert!(plan.contains("wacht op aftekenen"));
    assert!(
        !plan.contains("/sign-off"),
        "the reporter gets no sign-off button"
    );
    let sign_off = format!("{location}/sign-off");
    let (status, page) = hr.post(&sign_off, &[("approve", "true")]).await;
    assert_eq!(status, 409);
    assert!(page.contains("Een tweede account tekent af"));
    let prevention = Browser::login(&app, "preventie@example.nl").await;
    let (status, plan) = prevention.get("/plan").await;
    assert_eq!(status, 200);
    assert!(plan.contains(&format!("action=\"{sign_off}\"")));
    assert!(
        !plan.contains("href=\"/plan/items/"),
        "the prevention officer signs off but does not edit"
    );
    let (status, _) = prevention.post(&sign_off, &[("approve", "true")]).await;
    assert_eq!(status, 303);
    let (_, item) = hr.get(&location).await;
    assert!(
        item.contains("Afgetekend door preventie@example.nl"),
        "{item}"
    );

    // The year's progress and the intact history, read by the works council.
    let council = Browser::login(&app, "or@example.nl").await;
    let (status, plan) = council.get("/plan").await;
    assert_eq!(status, 200);
    assert!(plan.contains("De geschiedenis is onveranderd"));
    assert!(
        !plan.contains("action=\"/plan/items\""),
        "the council adds nothing"
    );
    let (status, history) = council.get("/plan/history").await;
    assert_eq!(status, 200);
    assert!(history.contains("signed_off_by"));
    assert_eq!(council.get(&location).await.0, 403);
    assert_eq!(
        council
            .post(&location, &item_form(&[("status", "cancelled")]))
            .await
            .0,
        403
    );
    assert_eq!(
        council.get(&format!("/rounds/{round}/suggestions")).await.0,
        403
    );

    // By hand: a measure raised by the counsellor's report; a missing priority is named.
    let (status, page) = hr
        .post(
            "/plan/items",
            &[
                ("category", "werkdruk"),
                ("measure", "Piekbezetting"),
                ("level", "source"),
                ("priority", ""),
                ("signal", "vpo"),
            ],
        )
        .await;
    assert_eq!(status, 422);
    assert!(page.contains("Geef een klasse van 1 tot 5"));
    let (status, location) = hr
        .post(
            "/plan/items",
            &[
                ("category", "werkdruk"),
                ("measure", "Piekbezetting"),
                ("level", "source"),
                ("priority", "4"),
                ("signal", "vpo"),
            ],
        )
        .await;
    assert_eq!(status, 303);
    let (_, item) = hr.get(&location).await;
    assert!(item.contains("het jaarverslag van de vertrouwenspersoon"));
}
