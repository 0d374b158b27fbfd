//! Every protected route, taken from the route table itself, refuses callers without
//! credentials and callers with any role it does not admit, by token and by session.

use psa::domain::Role;
use psa::http::routes::{Access, Audience, RouteSpec, table};
use reqwest::Method;

use crate::helpers::{TestApp, browser, spawn_app};

/// A concrete path for a route pattern: every `{param}` becomes a plausible value.
pub(crate) fn concrete(path: &str) -> String {
    path.split('/')
        .map(|segment| match segment {
            "{role}" => "hr",
            s if s.starts_with('{') => "someid",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

pub(crate) fn method(spec: &RouteSpec) -> Method {
    Method::from_bytes(spec.method.as_str().as_bytes()).expect("method")
}

fn admitted(access: Access, role: Role) -> bool {
    match access {
        Access::Public | Access::Staff => true,
        Access::Owner => false,
        Access::Members(roles) => roles.contains(role),
    }
}

struct Caller {
    role: Role,
    token: String,
    session: reqwest::Client,
    csrf: String,
}

async fn callers(app: &TestApp) -> Vec<Caller> {
    let organisation = app.set_up();
    let mut callers = Vec::new();
    for role in Role::ALL {
        let email = format!("{role}@example.nl");
        app.add_member(&organisation, &email, role);
        let session = app.login(&email).await;
        let csrf = app.csrf_header(&session).await;
        callers.push(Caller {
            role,
            token: app.token(&organisation, &email),
            session,
            csrf,
        });
    }
    callers
}

async fn send(
    client: &reqwest::Client,
    app: &TestApp,
    spec: &RouteSpec,
    bearer: Option<&str>,
    csrf: Option<&str>,
) -> reqwest::Response {
    let mut request = client.request(method(spec), app.url(&concrete(spec.path)));
    if let Some(token) = bearer {
        request = request.bearer_auth(token);
    }
    if let Some(csrf) = csrf {
        request = request.header("X-CSRF-Token", csrf);
    }
    request = match spec.audience {
        Audience::Api | Audience::Respondent | Audience::Visitor => {
            request.json(&serde_json::json!({}))
        }
        Audience::Page => request.form(&[("csrf", csrf.unwrap_or(""))]),
    };
    request.send().await.expect("request")
}

#[actix_web::test]
async fn every_protected_route_refuses_anonymous_callers() {
    let app = spawn_app().await;
    let anonymous = browser();
    let mut checked = 0;
    for spec in table().iter().filter(|s| s.access != Access::Public) {
        let response = send(&anonymous, &app, spec, None, None).await;
        let what = format!("{} {}", spec.method, spec.path);
        match spec.audience {
            Audience::Page => {
                assert_eq!(response.status(), 303, "{what}");
                let location = response.headers()["location"].to_str().unwrap();
                assert!(
                    location.starts_with("/login"),
                    "{what} redirects to {location}"
                );
            }
            Audience::Api | Audience::Respondent | Audience::Visitor => {
                assert_eq!(response.status(), 401, "{what}");
                assert!(
                    response.headers().contains_key("www-authenticate"),
                    "{what}"
                );
            }
        }
        checked += 1;
    }
    assert!(checked >= 10, "the table has protected routes: {checked}");
}

#[actix_web::test]
async fn every_protected_route_refuses_each_role_it_does_not_admit() {
    let app = spawn_app().await;
    let callers = callers(&app).await;
    let mut refusals = 0;
    let mut admissions = 0;
    let mut specs = table();
    // Logging out ends the caller's session: do it last.
    specs.sort_by_key(|s| s.path == "/logout");
    for spec in specs.iter().filter(|s| s.access != Access::Public) {
        for caller in &callers {
            let what = format!("{} {} as {}", spec.method, spec.path, caller.role);
            let mut answers = vec![];
            if spec.audience == Audience::Api {
                answers.push(send(&browser(), &app, spec, Some(&caller.token), None).await);
            }
            answers.push(send(&caller.session, &app, spec, None, Some(&caller.csrf)).await);
            for response in answers {
                let status = response.status().as_u16();
                if admitted(spec.access, caller.role) {
                    assert!(
                        status != 401 && status != 403,
                        "{what} is admitted, got {status}"
                    );
                    admissions += 1;
                } else {
                    assert_eq!(status, 403, "{what}");
                    if spec.audience == Audience::Api {
                        let body: serde_json::Value = response.json().await.unwrap();
                        assert_eq!(body["type"], "urn:psa:problem:forbidden", "{what}");
                    }
                    refusals += 1;
                }
            }
        }
    }
    assert!(
        refusals > 50 && admissions > 20,
        "{refusals} refusals, {admissions} admissions"
    );
}

#[actix_web::test]
async fn the_owner_manages_organisations_but_holds_no_role_where_not_a_member() {
    let app = spawn_app().await;
    app.set_up();
    let other = app.add_organisation("Ander BV");
    let owner = app.login("owner@example.nl").await;
    let response = owner
        .get(app.url("/api/v1/organisations"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let organisation = owner
        .get(app.url("/api/v1/organisation"))
        .header("X-PSA-Organisation", other.as_str())
        .send()
        .await
        .unwrap();
    assert_eq!(
        organisation.status(),
        403,
        "the owner is no member of Ander BV"
    );
}
