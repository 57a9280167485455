//! Where a sync's judged pages go: stored with their mark, counted, and shown.

use std::collections::HashSet;

use super::{Progress, SourceReport};
use crate::fetch::Page;
use crate::model::PostRef;
use crate::pipeline;
use crate::store::{Incoming, Outcome, Store, StoreError};

/// Where a walk's judged pages go: the archive, the report and the progress bar.
pub(super) struct Sink<'s> {
    pub(super) store: &'s mut Store,
    pub(super) site: &'s str,
    pub(super) report: &'s mut SourceReport,
    pub(super) progress: &'s mut dyn FnMut(Progress<'_>),
    /// Post ids the walk has delivered, for the progress count.
    pub(super) seen: HashSet<u64>,
}

impl Sink<'_> {
    /// Stores `pages` in one transaction together with the mark of the last
    /// one: a crash leaves the archive at an earlier mark, never past a page
    /// it does not hold.
    pub(super) fn store(&mut self, pages: Vec<Judged>) -> Result<(), StoreError> {
        let Some(last) = pages.last() else {
            return Ok(());
        };
        let cursor = last.page.cursor_after.to_string();
        let (pages, verdicts): (Vec<Page>, Vec<_>) =
            pages.into_iter().map(|j| (j.page, j.verdicts)).unzip();
        // Posts each page brings for the first time, as the store counts them:
        // a tie group paged again repeats posts, which the bar counts once.
        let fresh: Vec<usize> = verdicts
            .iter()
            .map(|page| {
                page.iter()
                    .filter(|(meta, _)| meta.as_ref().is_none_or(|m| self.seen.insert(m.id)))
                    .count()
            })
            .collect();
        let posts = pages
            .iter()
            .zip(verdicts)
            .flat_map(|(page, verdicts)| page.posts.iter().zip(verdicts))
            .map(|(json, (meta, outcome))| Incoming {
                json,
                meta,
                outcome,
            })
            .collect();
        let batch = pipeline::batch(self.site, posts, Some(cursor));
        let outcome = self.store.ingest(&batch)?;
        for post in &batch.posts {
            if let Outcome::Rejected { not_record, reason } = &post.outcome {
                (self.progress)(Progress::Rejected {
                    post: post.meta.as_ref().map(|m| m.id),
                    not_record: *not_record,
                    reason,
                });
            }
        }
        self.report.outcome.absorb(outcome);
        for (page, posts) in pages.iter().zip(fresh) {
            self.report.pages += 1;
            (self.progress)(Progress::Page {
                posts,
                total: page.total,
            });
        }
        Ok(())
    }
}

/// A fetched page with the parser's verdict on each of its posts.
pub(super) struct Judged {
    pub(super) page: Page,
    pub(super) verdicts: Vec<(Option<PostRef>, Outcome)>,
}
