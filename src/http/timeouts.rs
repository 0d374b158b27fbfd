//! Slow clients time out. The request head must arrive within the head timeout (actix's client
//! request timeout, set at start-up) and the body within the body timeout after it; otherwise
//! the request is answered 408 and its connection closed. Without the body's deadline, a client
//! that sends a byte a second would hold its connection, and the handler waiting for the body,
//! for as long as it likes.

use std::cell::Cell;
use std::future::Future;
use std::io;
use std::pin::Pin;
use std::rc::Rc;
use std::task::Poll;

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{Payload, ServiceRequest, ServiceResponse};
use actix_web::error::PayloadError;
use actix_web::http::header;
use actix_web::middleware::Next;
use actix_web::{HttpMessage, HttpResponse, web};
use futures_util::Stream;

use super::AppState;

/// Gives the request's body a deadline; answers 408 when the body did not arrive by then.
pub async fn body_deadline(
    mut req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let has_body = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .is_some_and(|length| length != "0")
        || req.headers().contains_key(header::TRANSFER_ENCODING);
    let limit = req
        .app_data::<web::Data<AppState>>()
        .map(|state| state.settings.client_timeouts.body);
    let (true, Some(limit)) = (has_body, limit) else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let timed_out = Rc::new(Cell::new(false));
    let flag = Rc::clone(&timed_out);
    let mut payload = req.take_payload();
    let mut deadline = Box::pin(actix_web::rt::time::sleep(limit));
    let mut ended = false;
    let body = futures_util::stream::poll_fn(move |cx| {
        if ended {
            return Poll::Ready(None);
        }
        match Pin::new(&mut payload).poll_next(cx) {
            Poll::Ready(chunk) => {
                ended = chunk.is_none();
                Poll::Ready(chunk)
            }
            Poll::Pending if deadline.as_mut().poll(cx).is_ready() => {
                ended = true;
                flag.set(true);
                Poll::Ready(Some(Err(PayloadError::Io(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "the request body came too slowly",
                )))))
            }
            Poll::Pending => Poll::Pending,
        }
    });
    req.set_payload(Payload::from(
        Box::pin(body) as Pin<Box<dyn Stream<Item = Result<web::Bytes, PayloadError>>>>
    ));
    let res = next.call(req).await?.map_into_boxed_body();
    if !timed_out.get() {
        return Ok(res);
    }
    let (req, _) = res.into_parts();
    Ok(ServiceResponse::new(
        req,
        HttpResponse::RequestTimeout().force_close().finish(),
    ))
}
