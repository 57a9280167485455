//! `healthfeed notify` at the terminal: add, list and remove subscriptions, send pending events.

use std::fmt::Write as _;
use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use clap::{Args, Subcommand, ValueEnum};

use super::args::ArchiveArg;
use super::output::{self, DocFormat, Kind, Output};
use super::topics::TopicArgs;
use super::visible::clean;
use super::{Error, Exit};
use crate::commands::Format;
use crate::commands::notify::{self, Delivery, NewSubscription};
use crate::model::{Subscription, redact_url};

/// Arguments of `healthfeed notify`.
#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// What to do.
    #[command(subcommand)]
    pub action: Action,
}

/// The `notify` subcommands.
#[derive(Debug, Subcommand)]
pub enum Action {
    /// Subscribe URL to events (new records, newer updates) matching the filters; prints the new id.
    Add(AddArgs),
    /// Show every subscription, with its filters and pending events.
    List(ListArgs),
    /// Remove a subscription and its undelivered events.
    Remove(RemoveArgs),
    /// Deliver pending events now (every `sync` does this at its end). Exit 7 when some stay pending.
    Send(SendArgs),
    /// Send one sample event (marked as a test) and show the receiver's answer; exit 7 unless it is a 2xx.
    Test(TestArgs),
}

/// The payload `notify add --format` names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PayloadFormat {
    /// `{"healthfeed": 1, "events": [...]}` (see README).
    Json,
    /// A Slack incoming webhook: `text` and mrkdwn section blocks, one message per run.
    Slack,
    /// A Teams Workflows webhook: an Adaptive Card, one message per run.
    Teams,
    /// A Discord webhook: `content` and embeds, one message per run.
    Discord,
}

impl PayloadFormat {
    /// The name the archive keeps.
    fn name(self) -> &'static str {
        use notify::Format;
        match self {
            PayloadFormat::Json => Format::Json,
            PayloadFormat::Slack => Format::Slack,
            PayloadFormat::Teams => Format::Teams,
            PayloadFormat::Discord => Format::Discord,
        }
        .name()
    }
}

/// Arguments of `healthfeed notify add`.
#[derive(Debug, Args)]
pub struct AddArgs {
    /// The http:// or https:// URL events are POSTed to.
    pub url: String,

    /// The payload format.
    #[arg(long, value_name = "FORMAT", default_value = "json")]
    pub format: PayloadFormat,

    /// Which records it hears about.
    #[command(flatten)]
    pub topics: TopicArgs,

    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,
}

/// Arguments of `healthfeed notify list`.
#[derive(Debug, Args)]
pub struct ListArgs {
    /// Format and destination.
    #[command(flatten)]
    pub out: Output<DocFormat>,

    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,
}

/// Arguments of `healthfeed notify remove`.
#[derive(Debug, Args)]
pub struct RemoveArgs {
    /// The subscription's id (from `notify add` or `notify list`).
    pub id: i64,

    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,
}

/// Arguments of `healthfeed notify send`.
#[derive(Debug, Args)]
pub struct SendArgs {
    /// Wait up to this long for another delivery from the same archive (a sync's, a send's) to finish (30s, 5m; 0: not at all).
    #[arg(long, value_name = "TIME", default_value = "0", value_parser = super::when::span)]
    pub wait: Duration,

    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,
}

/// Arguments of `healthfeed notify test`.
#[derive(Debug, Args)]
pub struct TestArgs {
    /// The subscription's id (from `notify add` or `notify list`).
    pub id: i64,

    /// The archive.
    #[command(flatten)]
    pub archive: ArchiveArg,
}

impl NotifyArgs {
    /// The `--db` given after the subcommand, if any.
    pub fn archive(&self) -> &ArchiveArg {
        match &self.action {
            Action::Add(a) => &a.archive,
            Action::List(a) => &a.archive,
            Action::Remove(a) => &a.archive,
            Action::Send(a) => &a.archive,
            Action::Test(a) => &a.archive,
        }
    }
}

pub(super) fn run(db: &Path, args: NotifyArgs) -> Result<Exit, Error> {
    match args.action {
        Action::Add(a) => add(db, a),
        Action::List(a) => list(db, &a),
        Action::Remove(a) => {
            notify::remove(db, a.id)?;
            Ok(Exit::Success)
        }
        Action::Send(a) => {
            let delivery = notify::send(db, a.wait)?;
            Ok(undelivered(&delivery))
        }
        Action::Test(a) => test(db, a.id),
    }
}

fn add(db: &Path, a: AddArgs) -> Result<Exit, Error> {
    let new = NewSubscription {
        url: a.url,
        format: match a.format {
            PayloadFormat::Json => "json".to_owned(),
            chat => chat.name().to_owned(),
        },
        topics: a.topics.topics(),
    };
    let id = notify::add(db, &new)?;
    let mut out = super::stdout();
    writeln!(out, "{id}").and_then(|()| out.flush())?;
    // Slack and Discord answer any other body with a 4xx, which would mark
    // the subscription failing at its first event: say so while setting up.
    if let Some(wanted) = notify::chat_format_of(&new.url)
        && wanted.name() != new.format
    {
        let line = format!(
            "warning: {} is a {} webhook, which refuses the {} format: add it again \
             with --format {} and remove this one with `healthfeed notify remove {id}`",
            redact_url(&new.url),
            if wanted == notify::Format::Slack {
                "Slack"
            } else {
                "Discord"
            },
            new.format,
            wanted.name()
        );
        eprintln!("healthfeed: {}", super::visible::clean_line(&line));
    }
    Ok(Exit::Success)
}

fn list(db: &Path, a: &ListArgs) -> Result<Exit, Error> {
    let (_, target) = a.out.resolve()?;
    let subscriptions = notify::list(db)?;
    target.write(|out, _| match target.kind {
        Kind::Table => Ok(write!(out, "{}", clean(&render(&subscriptions)))?),
        // The contract's NDJSON is one object per line: one subscription each.
        Kind::Machine(Format::Ndjson) => subscriptions
            .iter()
            .try_for_each(|s| output::json_line(out, s)),
        Kind::Machine(_) => output::doc(out, target.kind, &subscriptions),
    })?;
    // An empty table would leave somebody setting up webhooks guessing.
    if subscriptions.is_empty() && target.kind == Kind::Table {
        eprintln!("healthfeed: no subscriptions: add one with `healthfeed notify add URL`");
    }
    Ok(Exit::Success)
}

/// Shows what the receiver answered to a sample event: 0 for a 2xx, else 7.
fn test(db: &Path, id: i64) -> Result<Exit, Error> {
    let probe = notify::test(db, id)?;
    let sent = format!(
        "sent a {} test notification ({}) to subscription {} ({})",
        probe.format,
        probe.key,
        probe.subscription,
        redact_url(&probe.url)
    );
    match probe.answer {
        Ok(answer) => {
            let mut text = format!(
                "{}\nthe receiver answered {}",
                super::visible::clean_line(&sent),
                answer.status
            );
            if let Some(reason) = &answer.reason {
                let _ = write!(text, " {reason}");
            }
            text.push('\n');
            let body = answer.body.trim_end_matches(['\r', '\n']);
            if !body.is_empty() {
                text.push_str(&clean(body));
                if answer.cut {
                    let _ = write!(text, "… (first {} bytes)", notify::ANSWER_BYTES);
                }
                text.push('\n');
            }
            let mut out = super::stdout();
            write!(out, "{text}").and_then(|()| out.flush())?;
            Ok(if answer.accepted() {
                Exit::Success
            } else {
                Exit::Undelivered
            })
        }
        Err(why) => {
            eprintln!(
                "healthfeed: {}: no answer: {}",
                super::visible::clean_line(&sent),
                super::visible::clean_line(&why)
            );
            Ok(Exit::Undelivered)
        }
    }
}

/// One line per subscription: id, URL, format, filters, pending, failing.
fn render(subscriptions: &[Subscription]) -> String {
    let mut s = String::new();
    for sub in subscriptions {
        // As a shell takes them, so they can be pasted into `list`.
        let words: Vec<String> = sub
            .topics
            .args()
            .iter()
            .map(|w| notify::shell_word(w))
            .collect();
        let filters = if words.is_empty() {
            "every record".to_owned()
        } else {
            words.join(" ")
        };
        let _ = write!(
            s,
            "{}  {}  {}  {}  {} pending",
            sub.id,
            redact_url(&sub.url),
            sub.format,
            filters,
            sub.pending
        );
        if let Some(why) = &sub.failing {
            let _ = write!(s, "  failing: {why}");
        }
        s.push('\n');
    }
    s
}

/// Says once on stderr which subscriptions kept events pending, and why; the exit code.
pub(super) fn undelivered(delivery: &Delivery) -> Exit {
    for u in &delivery.undelivered {
        let state = if u.failing {
            "refused; marked failing"
        } else {
            "kept for the next run"
        };
        let mut line = format!(
            "notifications for subscription {} ({}) not delivered, {state}: {}",
            u.subscription,
            redact_url(&u.url),
            u.reason
        );
        // Every later run gets the same refusal until somebody acts: say how.
        if u.failing {
            let _ = write!(
                line,
                "; check the URL and send a sample with `healthfeed notify test {id}`, \
                 or stop it with `healthfeed notify remove {id}`",
                id = u.subscription
            );
        }
        eprintln!("healthfeed: {}", clean(&line));
    }
    delivery.exit()
}
