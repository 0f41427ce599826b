//! Pre-2005 USPTO XML: application publications (pap v1.5/v1.6) and ST.32 v2.5 grants (`PATDOC`).

use patsearch_record::PatentRecord;
use roxmltree::Node;

use crate::{DocContext, DocError};

pub(crate) fn parse(_root: Node<'_, '_>, _ctx: DocContext<'_>) -> Result<PatentRecord, DocError> {
    Err(DocError::Internal("pre-2005 parser not written yet".into()))
}
