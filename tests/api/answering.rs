//! Employees answer through the pages: without script or cookie, in Dutch or English, the
//! from-whom question only after exposure, a review, and one submission per link.

use psa::domain::Questionnaire;
use psa::domain::answers::Answers;
use serde_json::{Value, json};

use crate::helpers::{TestApp, browser, spawn_app};

/// The hidden fields of a page's form.
pub(crate) fn hidden_fields(html: &str) -> Vec<(String, String)> {
    let mut fields = Vec::new();
    for chunk in html.split("<input type=\"hidden\" name=\"").skip(1) {
        let name = chunk.split('"').next().unwrap().to_owned();
        let value = chunk
            .split("value=\"")
            .nth(1)
            .unwrap()
            .split('"')
            .next()
            .unwrap()
            .replace("&#43;", "+");
        fields.push((name, value));
    }
    fields
}

struct Respondent<'a> {
    app: &'a TestApp,
    client: reqwest::Client,
    path: String,
    page: String,
}

impl<'a> Respondent<'a> {
    async fn open(app: &'a TestApp, credential: &str) -> Respondent<'a> {
        let client = browser();
        let response = client
            .get(app.url(&format!("/s/{credential}")))
            .header("Accept-Language", "en")
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200);
        assert!(
            response.headers().get("set-cookie").is_none(),
            "respondents get no cookie"
        );
        let page = response.text().await.unwrap();
        Respondent {
            app,
            client,
            path: format!("/s/{credential}"),
            page,
        }
    }

    /// Posts the current page's form with `extra` fields (answers, the button pressed).
    async fn post(&mut self, extra: &[(&str, &str)]) -> u16 {
        let mut form = hidden_fields(&self.page);
        form.extend(
            extra
                .iter()
                .map(|(a, b)| ((*a).to_owned(), (*b).to_owned())),
        );
        let response = self
            .client
            .post(self.app.url(&self.path))
            .form(&form)
            .send()
            .await
            .unwrap();
        assert!(
            response.headers().get("set-cookie").is_none(),
            "respondents get no cookie"
        );
        let status = response.status().as_u16();
        self.page = response.text().await.unwrap();
        status
    }
}

async fn open_round_with_links(app: &TestApp, count: u32) -> Vec<Value> {
    let organisation = app.set_up();
    let hr = app.api(&app.token(&organisation, "owner@example.nl"));
    let round: Value = hr
        .post(
            "/api/v1/rounds",
            json!({"name": "PSA 2026", "questionnaire_id": "psa-basis"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let id = round["id"].as_str().unwrap();
    assert_eq!(
        hr.post(&format!("/api/v1/rounds/{id}/open"), json!({}))
            .await
            .status(),
        200
    );
    hr.post(
        &format!("/api/v1/rounds/{id}/invitations"),
        json!({"count": count}),
    )
    .await
    .json()
    .await
    .unwrap()
}

fn token(link: &Value) -> String {
    link["url"]
        .as_str()
        .unwrap()
        .rsplit('/')
        .next()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn an_employee_answers_through_the_pages_and_the_link_is_then_spent() {
    let app = spawn_app().await;
    let links = open_round_with_links(&app, 2).await;
    let mut me = Respondent::open(&app, &token(&links[0])).await;
    for shown in [
        "Your privacy",
        "at least 10 people",
        "/vpo-info",
        "Zorg BV",
        "7 parts",
    ] {
        assert!(me.page.contains(shown), "the intro shows {shown:?}");
    }

    assert_eq!(me.post(&[("go", "next")]).await, 200);
    assert!(me.page.contains("Part 1 of 7"));
    for name in ["bullying", "Bullying", "pesten"] {
        assert!(
            !me.page.contains(name),
            "no category name on the page: {name}"
        );
    }
    assert_eq!(
        me.post(&[("a:pe1", "9"), ("go", "next")]).await,
        422,
        "off the scale"
    );
    assert!(me.page.contains("aria-invalid=\"true\""));
    assert_eq!(
        me.post(&[("a:pe1", "3"), ("a:pe2", ""), ("go", "next")])
            .await,
        200
    );
    assert!(
        me.page.contains("From whom did this come?"),
        "exposure asks the source"
    );

    // Switching language keeps the answers.
    assert_eq!(me.post(&[("src", "collega"), ("lang", "nl")]).await, 200);
    assert!(me.page.contains("Van wie ging dit uit?"));
    assert!(hidden_fields(&me.page).contains(&("a:pe1".into(), "3".into())));
    assert_eq!(
        me.post(&[("src", "collega"), ("src", "derden"), ("go", "next")])
            .await,
        200
    );
    assert!(me.page.contains("Deel 2 van 7"));
    assert_eq!(me.post(&[("a:ag1", "1"), ("go", "next")]).await, 200);
    assert!(
        me.page.contains("Deel 3 van 7"),
        "no exposure, no source question"
    );
    for _ in 3..=7 {
        assert_eq!(me.post(&[("go", "next")]).await, 200);
    }
    assert!(me.page.contains("Uw antwoorden nakijken"));
    assert!(
        me.page.contains("Maandelijks") && me.page.contains("Een collega, Klanten"),
        "{}",
        me.page
    );
    assert_eq!(me.post(&[("go", "submit")]).await, 200);
    assert!(me.page.contains("Dank u wel"));

    let used = browser()
        .get(app.url(&format!("/s/{}", token(&links[0]))))
        .send()
        .await
        .unwrap();
    assert_eq!(used.status(), 404);
    let used = used.text().await.unwrap();
    let unknown = browser()
        .get(app.url("/s/not-a-real-token"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(
        used, unknown,
        "a used and an unknown link show the same page"
    );

    #[derive(diesel::QueryableByName)]
    struct Stored {
        #[diesel(sql_type = diesel::sql_types::Binary)]
        answers: Vec<u8>,
    }
    let stored: Vec<Stored> = diesel::RunQueryDsl::load(
        diesel::sql_query("SELECT answers FROM response_inbox"),
        &mut *app.conn(),
    )
    .unwrap();
    assert_eq!(stored.len(), 1);
    let q = Questionnaire::parse(include_str!("../../questionnaires/psa-basis.toml")).unwrap();
    let answers = Answers::unpack(&stored[0].answers, &q).unwrap();
    assert_eq!(answers.values[0], Some(3));
    assert_eq!(answers.values[1], None);
    assert_eq!(answers.sources["pesten"].len(), 2);
}

#[actix_web::test]
async fn a_typed_code_opens_the_same_questionnaire() {
    let app = spawn_app().await;
    let links = open_round_with_links(&app, 1).await;
    let code = links[0]["code"].as_str().unwrap();
    let client = browser();
    let form = client.get(app.url("/s")).send().await.unwrap();
    assert_eq!(form.status(), 200);
    assert!(form.text().await.unwrap().contains("name=\"code\""));
    let bad = client
        .post(app.url("/s"))
        .form(&[("code", "abc")])
        .send()
        .await
        .unwrap();
    assert_eq!(bad.status(), 422);
    let typed = code.to_lowercase().replace('-', " ");
    let found = client
        .post(app.url("/s"))
        .form(&[("code", typed.as_str()), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(found.status(), 303);
    let location = found.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with(&format!("/s/{}", code.replace('-', ""))),
        "{location}"
    );
    let intro = client.get(app.url(&location)).send().await.unwrap();
    assert_eq!(intro.status(), 200);
    assert!(intro.text().await.unwrap().contains("Your privacy"));
}

#[actix_web::test]
async fn a_closed_round_says_so_and_the_vpo_page_names_the_organisation() {
    let app = spawn_app().await;
    let links = open_round_with_links(&app, 1).await;
    let organisation = psa::db::organisations::list(&mut app.conn())
        .unwrap()
        .remove(0);
    let info = browser()
        .get(app.url(&format!("/o/{}/vpo-info?lang=en", organisation.public_id)))
        .send()
        .await
        .unwrap();
    assert_eq!(info.status(), 200);
    assert!(info.headers().get("set-cookie").is_none());
    assert!(
        info.text()
            .await
            .unwrap()
            .contains("At Zorg BV you can turn to the confidential counsellor")
    );
    assert_eq!(
        browser()
            .get(app.url("/o/unknown/vpo-info"))
            .send()
            .await
            .unwrap()
            .status(),
        404
    );

    let mut me = Respondent::open(&app, &token(&links[0])).await;
    let hr = app.api(&app.token(&organisation.id, "owner@example.nl"));
    let rounds: Vec<Value> = hr.get("/api/v1/rounds").await;
    let id = rounds[0]["id"].as_str().unwrap();
    // Closing deletes the invitations: the link no longer opens anything.
    assert_eq!(
        hr.post(&format!("/api/v1/rounds/{id}/close"), json!({}))
            .await
            .status(),
        200
    );
    assert_eq!(me.post(&[("go", "next")]).await, 404);
    assert!(me.page.contains("does not work"));
}

#[actix_web::test]
async fn a_respondent_saves_with_a_pin_and_resumes_with_the_same_link() {
    let app = spawn_app().await;
    let links = open_round_with_links(&app, 1).await;
    let credential = token(&links[0]);
    let mut me = Respondent::open(&app, &credential).await;
    me.post(&[("go", "next")]).await;
    assert_eq!(me.post(&[("a:pe1", "4"), ("go", "next")]).await, 200);
    assert_eq!(me.post(&[("src", "collega"), ("go", "save")]).await, 200);
    assert!(me.page.contains("Choose a PIN"));
    assert_eq!(me.post(&[("pin", "12"), ("go", "save_confirm")]).await, 422);
    assert_eq!(
        me.post(&[("pin", "4321"), ("go", "save_confirm")]).await,
        200
    );
    assert!(me.page.contains("Your answers are saved"));

    #[derive(diesel::QueryableByName)]
    struct Sealed {
        #[diesel(sql_type = diesel::sql_types::Binary)]
        sealed: Vec<u8>,
    }
    let drafts: Vec<Sealed> = diesel::RunQueryDsl::load(
        diesel::sql_query("SELECT sealed FROM drafts"),
        &mut *app.conn(),
    )
    .unwrap();
    assert_eq!(drafts.len(), 1);
    let sealed = String::from_utf8_lossy(&drafts[0].sealed);
    assert!(
        !sealed.contains("pe1") && !sealed.contains("collega"),
        "the draft is encrypted"
    );

    let mut back = Respondent::open(&app, &credential).await;
    assert!(back.page.contains("Carry on where you left off"));
    assert_eq!(back.post(&[("pin", "0000"), ("go", "resume")]).await, 422);
    assert!(back.page.contains("does not match"));
    let mut back = Respondent::open(&app, &credential).await;
    assert_eq!(back.post(&[("pin", "4321"), ("go", "resume")]).await, 200);
    assert!(
        back.page.contains("From whom did this come?"),
        "back at the step where they left"
    );
    assert!(back.page.contains("value=\"collega\" checked"));
    assert!(hidden_fields(&back.page).contains(&("a:pe1".into(), "4".into())));
    assert_eq!(back.post(&[("src", "collega"), ("go", "next")]).await, 200);
    for _ in 2..=7 {
        assert_eq!(back.post(&[("go", "next")]).await, 200);
    }
    assert_eq!(back.post(&[("go", "submit")]).await, 200);
    assert!(back.page.contains("Thank you"));
    let drafts: Vec<Sealed> = diesel::RunQueryDsl::load(
        diesel::sql_query("SELECT sealed FROM drafts"),
        &mut *app.conn(),
    )
    .unwrap();
    assert!(drafts.is_empty(), "submitting deletes the draft");
}

/// The whole survey through the pages, as HR and employees do it.
#[actix_web::test]
async fn end_to_end_through_the_form_posts() {
    let app = spawn_app().await;
    app.set_up();
    let hr = app.login("owner@example.nl").await;
    let units_page = hr
        .get(app.url("/units"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = crate::helpers::csrf_of(&units_page);
    let form = |path: &str, fields: Vec<(&str, String)>| {
        let mut fields: Vec<(String, String)> =
            fields.into_iter().map(|(a, b)| (a.to_owned(), b)).collect();
        fields.push(("csrf".into(), csrf.clone()));
        hr.post(app.url(path))
            .header("Accept-Language", "en")
            .form(&fields)
            .send()
    };
    assert_eq!(
        form(
            "/units/import",
            vec![("csv", "Zorg;40\nZorg/Team A;8\n".into())]
        )
        .await
        .unwrap()
        .status(),
        303
    );
    let created = form(
        "/rounds",
        vec![
            ("name", "PSA 2026".into()),
            ("questionnaire_id", "psa-basis".into()),
            ("min_group_size", "5".into()),
        ],
    )
    .await
    .unwrap();
    let round = created.headers()["location"].to_str().unwrap().to_owned();
    assert_eq!(
        form(&format!("{round}/open"), vec![])
            .await
            .unwrap()
            .status(),
        303
    );
    let page = hr
        .get(app.url(&round))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let team = page
        .split("<option value=\"")
        .skip(1)
        .find(|o| o.contains("Zorg/Team A"))
        .unwrap()
        .split('"')
        .next()
        .unwrap()
        .to_owned();
    let csv = form(
        &format!("{round}/invitations"),
        vec![("unit_id", team), ("count", "6".into())],
    )
    .await
    .unwrap()
    .text()
    .await
    .unwrap();
    let links: Vec<String> = csv
        .lines()
        .skip(1)
        .map(|l| {
            l.split(';')
                .nth(1)
                .unwrap()
                .rsplit('/')
                .next()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(links.len(), 6);

    // Five answer; one of them saves halfway and comes back.
    for (i, link) in links.iter().take(5).enumerate() {
        let mut me = Respondent::open(&app, link).await;
        me.post(&[("go", "next")]).await;
        let value = (1 + i % 5).to_string();
        me.post(&[("a:pe1", value.as_str()), ("go", "next")]).await;
        if i == 2 {
            me.post(&[("go", "save")]).await;
            assert_eq!(
                me.post(&[("pin", "2468"), ("go", "save_confirm")]).await,
                200
            );
            me = Respondent::open(&app, link).await;
            assert_eq!(me.post(&[("pin", "2468"), ("go", "resume")]).await, 200);
        }
        while !me.page.contains("Check your answers") {
            assert_eq!(me.post(&[("go", "next")]).await, 200);
        }
        assert_eq!(me.post(&[("go", "submit")]).await, 200);
        assert!(me.page.contains("Thank you"));
    }
    let page = hr
        .get(app.url(&round))
        .header("Accept-Language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("5 / 6"), "progress: {page}");
    assert_eq!(
        form(&format!("{round}/close"), vec![])
            .await
            .unwrap()
            .status(),
        303
    );

    #[derive(diesel::QueryableByName)]
    struct Count {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }
    let count = |sql: &str| {
        diesel::RunQueryDsl::load::<Count>(diesel::sql_query(sql), &mut *app.conn()).unwrap()[0].n
    };
    assert_eq!(count("SELECT COUNT(*) AS n FROM responses"), 5);
    assert_eq!(count("SELECT COUNT(*) AS n FROM response_inbox"), 0);
    assert_eq!(count("SELECT COUNT(*) AS n FROM invitations"), 0);
    assert_eq!(count("SELECT COUNT(*) AS n FROM drafts"), 0);
    let after = Respondent::try_open(&app, &links[5]).await;
    assert_eq!(after, 404, "the unused link died with the round");
}

impl Respondent<'_> {
    async fn try_open(app: &TestApp, credential: &str) -> u16 {
        browser()
            .get(app.url(&format!("/s/{credential}")))
            .send()
            .await
            .unwrap()
            .status()
            .as_u16()
    }
}
