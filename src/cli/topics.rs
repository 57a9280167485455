//! The filter flags a subscription takes (`notify add`), which `sync`
//! takes too to narrow the changes it prints: one definition, one meaning.

use clap::Args;

use super::answer_args::KindArg;
use crate::model::{self, Topics};

/// `--service`, `--kind`, `--classification`, `--status`, as `notify add` and `sync` take them.
#[derive(Debug, Args)]
pub struct TopicArgs {
    /// Only records whose service contains TEXT (any case; repeatable: any of them).
    #[arg(long, value_name = "TEXT")]
    pub service: Vec<String>,

    /// Only service health or only Message Center.
    #[arg(long, value_name = "KIND")]
    pub kind: Option<KindArg>,

    /// Only these classifications (repeatable, or comma-separated; any case).
    #[arg(long, value_name = "CLASS", value_delimiter = ',')]
    pub classification: Vec<String>,

    /// Only records in these statuses after the change (repeatable, or comma-separated; any case).
    #[arg(long, value_name = "STATUS", value_delimiter = ',')]
    pub status: Vec<String>,
}

impl TopicArgs {
    /// The filters as the library holds them.
    pub fn topics(&self) -> Topics {
        Topics {
            services: self.service.clone(),
            kind: self.kind.map(model::Kind::from),
            classifications: self.classification.clone(),
            statuses: self.status.clone(),
        }
    }
}
