//! The plan of action over the API: accepting suggestions, editing, the history chain and its
//! tamper evidence, and who may do what.

use diesel::RunQueryDsl;
use psa::domain::Role;
use serde_json::{Value, json};

use crate::helpers::{assert_problem, spawn_app};
use crate::results::run_round;
use crate::rounds::{hr, import};

#[actix_web::test]
async fn hr_accepts_suggestions_into_the_plan_and_every_change_is_chained() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let units = import(&hr, "A\nB\n").await;
    // Three of six bullied weekly: red everywhere it is shown.
    let round = run_round(&app, &hr, &units, "2026", &[], 3).await;
    let empty: Value = hr.get("/api/v1/plan").await;
    assert_eq!(empty["items"], json!([]));

    let accepted = hr
        .post(
            "/api/v1/plan/items",
            json!({"round_id": round, "category": "pesten", "measure_id": "gedragscode"}),
        )
        .await;
    assert_eq!(accepted.status(), 201);
    let item: Value = accepted.json().await.unwrap();
    assert_eq!(item["scope_path"], "");
    assert_eq!(item["unit_id"], Value::Null);
    assert_eq!(item["level"], "source");
    assert_eq!(item["status"], "planned");
    assert_eq!(item["signal"], "round");
    assert_eq!(item["round_id"], round.as_str());
    assert!(
        item["measure"]
            .as_str()
            .unwrap()
            .starts_with("Stel met de ondernemingsraad")
    );
    let class = item["priority"].as_i64().unwrap();
    let start = chrono::NaiveDate::parse_from_str(item["start_date"].as_str().unwrap(), "%Y-%m-%d")
        .unwrap();
    let deadline =
        chrono::NaiveDate::parse_from_str(item["deadline"].as_str().unwrap(), "%Y-%m-%d").unwrap();
    let months = [12, 12, 6, 3, 1][usize::try_from(class).unwrap() - 1];
    assert_eq!(
        deadline,
        start
            .checked_add_months(chrono::Months::new(months))
            .unwrap(),
        "the class's term from today"
    );

    // Only what the round suggested can be accepted.
    let not_suggested = hr
        .post(
            "/api/v1/plan/items",
            json!({"round_id": round, "category": "pesten", "measure_id": "deescalatie"}),
        )
        .await;
    assert_eq!(
        assert_problem(not_suggested, 422, "validation").await["errors"][0]["field"],
        "measure_id"
    );
    let green = hr
        .post(
            "/api/v1/plan/items",
            json!({"round_id": round, "category": "discriminatie", "measure_id": "gedragscode"}),
        )
        .await;
    assert_problem(green, 422, "validation").await;

    // Items by hand: from the counsellor's report, for unit B, priority class 4 (three months).
    let b = units.iter().find(|u| u["path"] == "B").unwrap()["id"].clone();
    let by_hand = hr
        .post(
            "/api/v1/plan/items",
            json!({"category": "werkdruk", "unit_id": b, "measure": "Extra bezetting op piekdagen",
                   "level": "source", "priority": 4, "signal": "vpo"}),
        )
        .await;
    assert_eq!(by_hand.status(), 201);
    let by_hand: Value = by_hand.json().await.unwrap();
    assert_eq!(by_hand["scope_path"], "B");
    assert_eq!(by_hand["signal"], "vpo");
    assert_eq!(by_hand["round_id"], Value::Null);
    let start =
        chrono::NaiveDate::parse_from_str(by_hand["start_date"].as_str().unwrap(), "%Y-%m-%d")
            .unwrap();
    assert_eq!(
        by_hand["deadline"].as_str().unwrap(),
        start
            .checked_add_months(chrono::Months::new(3))
            .unwrap()
            .to_string()
    );
    let incomplete = hr
        .post("/api/v1/plan/items", json!({"category": "mobbing"}))
        .await;
    let fields: Vec<Value> = assert_problem(incomplete, 422, "validation").await["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["field"].clone())
        .collect();
    assert_eq!(
        fields,
        [
            json!("category"),
            json!("measure"),
            json!("level"),
            json!("priority")
        ]
    );
    let elsewhere = hr
        .post(
            "/api/v1/plan/items",
            json!({"category": "werkdruk", "unit_id": "nope", "measure": "x", "level": "source", "priority": 1}),
        )
        .await;
    assert_eq!(
        assert_problem(elsewhere, 422, "validation").await["errors"][0]["field"],
        "unit_id"
    );
    let half = hr
        .post(
            "/api/v1/plan/items",
            json!({"category": "pesten", "round_id": round}),
        )
        .await;
    assert_problem(half, 422, "validation").await;

    // Without an owner the item covers nothing: both shown risks are missing.
    let plan: Value = hr.get("/api/v1/plan").await;
    assert_eq!(plan["complete"], false);
    let missing: Vec<&str> = plan["missing"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["path"].as_str().unwrap())
        .collect();
    assert_eq!(
        missing,
        ["", "A"],
        "the organisation and unit A; B is hidden"
    );

    let id = item["id"].as_str().unwrap();
    let half_owner = hr
        .patch(
            &format!("/api/v1/plan/items/{id}"),
            json!({"owner_name": "J. de Vries"}),
        )
        .await;
    assert_eq!(
        assert_problem(half_owner, 422, "validation").await["errors"][0]["field"],
        "owner_email"
    );
    let changed = hr
        .patch(
            &format!("/api/v1/plan/items/{id}"),
            json!({"owner_name": "J. de Vries", "owner_email": "j.devries@example.nl", "status": "in_progress"}),
        )
        .await;
    assert_eq!(changed.status(), 200);
    let changed: Value = changed.json().await.unwrap();
    assert_eq!(changed["status"], "in_progress");
    let plan: Value = hr.get("/api/v1/plan").await;
    assert_eq!(
        plan["complete"], true,
        "an organisation-wide item with owner and deadline covers unit A too"
    );
    assert_eq!(plan["items"][0]["overdue"], false);
    let late = hr
        .patch(
            &format!("/api/v1/plan/items/{id}"),
            json!({"start_date": "2020-01-01", "deadline": "2020-06-30"}),
        )
        .await;
    assert_eq!(late.status(), 200);
    let plan: Value = hr.get("/api/v1/plan").await;
    assert_eq!(plan["items"][0]["overdue"], true);
    let backwards = hr
        .patch(
            &format!("/api/v1/plan/items/{id}"),
            json!({"deadline": "2019-12-31"}),
        )
        .await;
    assert_eq!(
        assert_problem(backwards, 422, "validation").await["errors"][0]["field"],
        "deadline"
    );
    let cancelled = hr
        .patch(
            &format!("/api/v1/plan/items/{id}"),
            json!({"status": "cancelled"}),
        )
        .await;
    assert_eq!(cancelled.status(), 200);
    let plan: Value = hr.get("/api/v1/plan").await;
    assert_eq!(plan["complete"], false, "a cancelled item covers nothing");
    assert_eq!(plan["items"][0]["overdue"], false);
    // A later round of the same questionnaire and scope replaces the earlier one's risks.
    run_round(&app, &hr, &units, "2027", &[], 0).await;
    let plan: Value = hr.get("/api/v1/plan").await;
    assert_eq!(plan["complete"], true, "{plan}");

    let history: Value = hr.get("/api/v1/plan/history").await;
    assert_eq!(history["intact"], true);
    let entries = history["entries"].as_array().unwrap();
    let status_change = entries
        .iter()
        .find(|e| e["field"] == "status" && e["old"] == "planned")
        .expect("the status change is in the history");
    assert_eq!(status_change["new"], "in_progress");
    assert_eq!(status_change["who"], "owner@example.nl");
    let plan: Value = hr.get("/api/v1/plan").await;
    assert_eq!(
        plan["head"], history["head"],
        "the plan carries the chain's head"
    );

    // The works council reads the plan and its history, but changes nothing.
    let organisation = psa::db::organisations::list(&mut app.conn())
        .unwrap()
        .remove(0);
    app.add_member(&organisation.id, "or@example.nl", Role::Council);
    let council = app.api(&app.token(&organisation.id, "or@example.nl"));
    let read: Value = council.get("/api/v1/plan").await;
    assert_eq!(read["items"].as_array().unwrap().len(), 2);
    let refused = council
        .patch(
            &format!("/api/v1/plan/items/{id}"),
            json!({"status": "done"}),
        )
        .await;
    assert_eq!(refused.status(), 403);
    let suggestions = council
        .send(
            reqwest::Method::GET,
            &format!("/api/v1/rounds/{round}/suggestions"),
            None,
        )
        .await;
    assert_eq!(suggestions.status(), 403, "suggestions are HR's");
    app.add_member(&organisation.id, "preventie@example.nl", Role::Prevention);
    let prevention = app.api(&app.token(&organisation.id, "preventie@example.nl"));
    let read: Value = prevention.get("/api/v1/plan/history").await;
    assert_eq!(read["intact"], true);

    // A history row edited by hand in the database is found.
    let tampered = entries[1]["seq"].as_i64().unwrap();
    diesel::sql_query(format!(
        "UPDATE plan_history SET new_value = 'iets anders' WHERE seq = {tampered}"
    ))
    .execute(&mut *app.conn())
    .unwrap();
    let history: Value = hr.get("/api/v1/plan/history").await;
    assert_eq!(history["intact"], false);
    assert_eq!(history["broken_at"], tampered);
    assert_eq!(history["head"], Value::Null);
}

/// The user id of `email` among the organisation's members (the caller is an admin).
async fn user_id(admin: &crate::helpers::Api, email: &str) -> String {
    let members: Value = admin.get("/api/v1/members").await;
    members
        .as_array()
        .unwrap()
        .iter()
        .find(|m| m["email"] == email)
        .unwrap_or_else(|| panic!("{email} is a member"))["user_id"]
        .as_str()
        .unwrap()
        .to_owned()
}

#[actix_web::test]
async fn owners_are_accounts_and_completion_awaits_a_second_accounts_sign_off() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let units = import(&hr, "A\nB\n").await;
    let round = run_round(&app, &hr, &units, "2026", &[], 3).await;
    let organisation = psa::db::organisations::list(&mut app.conn())
        .unwrap()
        .remove(0);
    app.add_member(&organisation.id, "preventie@example.nl", Role::Prevention);
    app.add_member(&organisation.id, "or@example.nl", Role::Council);
    let other = app.add_organisation("Elders BV");
    app.add_member(&other, "elders@example.nl", Role::Hr);
    let prevention = app.api(&app.token(&organisation.id, "preventie@example.nl"));
    let council = app.api(&app.token(&organisation.id, "or@example.nl"));

    let item: Value = hr
        .post(
            "/api/v1/plan/items",
            json!({"round_id": round, "category": "pesten", "measure_id": "gedragscode"}),
        )
        .await
        .json()
        .await
        .unwrap();
    let item_path = format!("/api/v1/plan/items/{}", item["id"].as_str().unwrap());

    // The owner: an account of this organisation, not of another, and not also a name.
    let outsider = hr
        .patch(&item_path, json!({"owner_user_id": "no-such-user"}))
        .await;
    assert_eq!(
        assert_problem(outsider, 422, "validation").await["errors"][0]["field"],
        "owner_user_id"
    );
    let prevention_id = user_id(&hr, "preventie@example.nl").await;
    let both = hr
        .patch(
            &item_path,
            json!({"owner_user_id": prevention_id, "owner_name": "J. de Vries", "owner_email": "j@example.nl"}),
        )
        .await;
    assert_problem(both, 422, "validation").await;
    let owned: Value = hr
        .patch(&item_path, json!({"owner_user_id": prevention_id}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(owned["owner_account"], "preventie@example.nl");
    let plan: Value = hr.get("/api/v1/plan").await;
    assert_eq!(
        plan["complete"], true,
        "an account is an owner who can be reached"
    );

    // Without the sign-off rule, done is done.
    let done: Value = hr
        .patch(&item_path, json!({"status": "done"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(done["status"], "done");
    assert_eq!(done["completed_by"], "owner@example.nl");
    assert_eq!(done["signed_off_by"], Value::Null);
    let reopened: Value = hr
        .patch(&item_path, json!({"status": "in_progress"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reopened["completed_by"], Value::Null);

    // With it, done awaits a second account.
    let setting = hr
        .patch("/api/v1/organisation", json!({"plan_sign_off": true}))
        .await;
    assert_eq!(setting.status(), 200);
    let reported: Value = hr
        .patch(&item_path, json!({"status": "done"}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(reported["status"], "awaiting_sign_off");
    assert_eq!(reported["completed_by"], "owner@example.nl");
    assert!(reported["completed_on"].is_string());
    let chosen = hr
        .patch(&item_path, json!({"status": "awaiting_sign_off"}))
        .await;
    assert_problem(chosen, 422, "validation").await;
    let sign_off = format!("{item_path}/sign-off");
    let own = hr.post(&sign_off, json!({"approve": true})).await;
    assert_problem(own, 403, "forbidden").await;
    let reader = council.post(&sign_off, json!({"approve": true})).await;
    assert_eq!(
        reader.status(),
        403,
        "the works council reads, it does not sign"
    );
    let sent_back: Value = prevention
        .post(&sign_off, json!({"approve": false}))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(sent_back["status"], "in_progress");
    assert_eq!(sent_back["completed_by"], Value::Null);
    hr.patch(&item_path, json!({"status": "done"})).await;
    let signed = prevention.post(&sign_off, json!({"approve": true})).await;
    assert_eq!(signed.status(), 200);
    let signed: Value = signed.json().await.unwrap();
    assert_eq!(signed["status"], "done");
    assert_eq!(signed["completed_by"], "owner@example.nl");
    assert_eq!(signed["signed_off_by"], "preventie@example.nl");
    let again = prevention.post(&sign_off, json!({"approve": true})).await;
    assert_problem(again, 409, "conflict").await;
    let history: Value = hr.get("/api/v1/plan/history").await;
    assert_eq!(history["intact"], true);
    assert!(
        history["entries"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["field"] == "signed_off_by" && e["who"] == "preventie@example.nl"),
        "the sign-off is in the history"
    );

    // The year's progress, for the works council: the item was added and done this year.
    let progress: Value = council.get("/api/v1/plan/progress").await;
    assert_eq!(progress["categories"]["pesten"]["added"], 1);
    assert_eq!(progress["categories"]["pesten"]["done"], 1);
    assert_eq!(progress["total"]["running"], 0);
    let before: Value = council.get("/api/v1/plan/progress?year=2025").await;
    assert_eq!(before["categories"], json!({}));
    assert_eq!(before["as_of"], "2025-12-31");
    let nonsense = council
        .send(reqwest::Method::GET, "/api/v1/plan/progress?year=99", None)
        .await;
    assert_problem(nonsense, 400, "bad-request").await;
}

#[actix_web::test]
async fn items_added_at_once_are_each_kept_with_their_history_in_one_unbroken_chain() {
    let app = spawn_app().await;
    let hr = hr(&app).await;
    let added = futures_util::future::join_all((0..16).map(|i| {
        let hr = &hr;
        async move {
            hr.post(
                "/api/v1/plan/items",
                json!({"category": "werkdruk", "measure": format!("Maatregel {i}"),
                       "level": "source", "priority": 3, "signal": "manual"}),
            )
            .await
        }
    }))
    .await;
    for response in &added {
        assert_eq!(response.status(), 201);
    }
    let plan: Value = hr.get("/api/v1/plan").await;
    assert_eq!(plan["items"].as_array().unwrap().len(), 16);
    let history: Value = hr.get("/api/v1/plan/history").await;
    assert_eq!(history["intact"], true, "{history}");
    let measures = history["entries"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["field"] == "measure")
        .count();
    assert_eq!(measures, 16, "every item's creation is in the history");
}
