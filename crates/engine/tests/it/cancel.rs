//! A request's [`Cancellation`] stops its work: a cancelled token or a
//! passed deadline ends a search, a summary or a prior-art run with
//! `EngineError::Cancelled` instead of running to its end.

use std::time::{Duration, Instant};

use patsearch_engine::{EngineError, PriorArtRequest, SearchMode, SearchRequest, SummaryRequest};
use patsearch_record::{Cancellation, Cancelled};

use crate::common::fixture;

fn cancelled() -> Cancellation {
    let token = Cancellation::new();
    token.cancel();
    token
}

fn expired() -> Cancellation {
    Cancellation::new().with_deadline(Instant::now() - Duration::from_millis(1))
}

#[test]
fn a_cancelled_search_stops_in_every_mode() {
    let engine = &fixture().engine;
    for mode in [
        SearchMode::Keyword,
        SearchMode::Semantic,
        SearchMode::Hybrid,
    ] {
        let mut request = SearchRequest::new("battery charging circuit", mode);
        assert!(engine.search(&request).is_ok(), "{mode:?}");
        request.cancel = cancelled();
        match engine.search(&request) {
            Err(EngineError::Cancelled(Cancelled::Cancelled)) => {}
            other => panic!("{mode:?}: {other:?}"),
        }
        request.cancel = expired();
        match engine.search(&request) {
            Err(EngineError::Cancelled(Cancelled::DeadlinePassed)) => {}
            other => panic!("{mode:?}: {other:?}"),
        }
    }
}

#[test]
fn a_cancelled_summary_and_prior_art_stop() {
    let fixture = fixture();
    let engine = &fixture.engine;
    let number = &fixture.records[0].publication_number;
    let summary = SummaryRequest {
        cancel: cancelled(),
        ..SummaryRequest::default()
    };
    assert!(matches!(
        engine.summarize(number, &summary),
        Err(EngineError::Cancelled(_))
    ));
    let prior_art = PriorArtRequest {
        cancel: expired(),
        ..PriorArtRequest::new("a battery; a charging circuit connected to the battery")
    };
    assert!(matches!(
        engine.prior_art(&prior_art),
        Err(EngineError::Cancelled(Cancelled::DeadlinePassed))
    ));
    assert!(matches!(
        engine.prior_art_of(number, &prior_art),
        Err(EngineError::Cancelled(_))
    ));
}
