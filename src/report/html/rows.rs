//! The block helpers that stream the large parts of the page one item at
//! a time (finding groups, matrix rows, evidence chunks), so the page is
//! never held whole in memory.

use super::evidence::EvidenceStore;
use super::page::{ChunkView, GroupView, MatrixCell, MatrixRow, RowView, WaiverNoteView};
use crate::finding::Status;
use crate::report::model::Report;
use crate::report::view;
use crate::verdict::Change;
use handlebars::Handlebars;
use serde::Serialize;

/// What the page is built from, computed once before rendering: the
/// findings grouped per check, the matrix's worst statuses, and the
/// evidence store. The block helpers read it while the page streams out.
pub(super) struct PageData<'a> {
    pub(super) report: &'a Report,
    /// Check ids in report (registry) order.
    pub(super) order: Vec<&'a str>,
    /// Per check (same order): its groups, failing first.
    pub(super) groups: Vec<Vec<Group>>,
    /// Every account in scope, then any other a finding names.
    pub(super) accounts: Vec<&'a str>,
    /// Per account (same order), per check: the worst status, if any.
    pub(super) cells: Vec<Vec<Option<Status>>>,
    pub(super) evidence: EvidenceStore,
}

/// Findings (indexes into `report.findings`) that share a verdict, message,
/// waiver and change.
pub(super) struct Group {
    pub(super) members: Vec<usize>,
}

impl<'a> PageData<'a> {
    pub(super) fn build(report: &'a Report) -> PageData<'a> {
        let checks = view::checks(report);
        let check_index = &checks.index;
        let order = checks.ids.clone();
        // Per check, its groups (see `view::group_findings`), failing first.
        let mut groups: Vec<Vec<Group>> = (0..order.len()).map(|_| Vec::new()).collect();
        for g in view::group_findings(report, |_| true) {
            let c = check_index[report.findings[g.members[0]].check_id.as_str()];
            groups[c].push(Group { members: g.members });
        }
        for list in &mut groups {
            list.sort_by_key(|g| {
                std::cmp::Reverse(crate::report::model::badness(
                    report.findings[g.members[0]].status,
                ))
            });
        }

        let accounts = view::accounts(report);
        let cells = view::matrix(report, &accounts, &checks);
        let accounts = accounts.ids;
        PageData {
            report,
            order,
            groups,
            accounts,
            cells,
            evidence: EvidenceStore::build(report),
        }
    }

    pub(super) fn group_view(&self, group: &Group) -> GroupView<'a> {
        let report = self.report;
        let first = &report.findings[group.members[0]];
        GroupView {
            status: first.status.as_str(),
            label: view::status(first.status).label,
            change: first.change.map_or("", Change::as_str),
            change_label: view::change(first.change),
            waiver: first.waiver.as_ref().map(|w| WaiverNoteView {
                index: w.index,
                reason: &w.reason,
                owner: &w.owner,
                expires: w.expires.to_string(),
                expired: w.expired,
            }),
            message: &first.message,
            count: group.members.len(),
            findings: group
                .members
                .iter()
                .map(|&i| {
                    let f = &report.findings[i];
                    RowView {
                        account_id: &f.account_id,
                        region: f.region.as_deref().unwrap_or("global"),
                        resource: &f.resource,
                        evidence: self.evidence.of_finding[i],
                    }
                })
                .collect(),
        }
    }
}

/// Renders the helper's block once per item, each item being the block's
/// context (as `{{#each}}` does), without ever holding the whole list.
pub(super) fn render_items<'reg: 'rc, 'rc, T: Serialize>(
    items: impl Iterator<Item = T>,
    h: &handlebars::Helper<'rc>,
    r: &'reg Handlebars<'reg>,
    ctx: &'rc handlebars::Context,
    rc: &mut handlebars::RenderContext<'reg, 'rc>,
    out: &mut dyn handlebars::Output,
) -> handlebars::HelperResult {
    use handlebars::Renderable as _;
    let Some(template) = h.template() else {
        return Ok(());
    };
    for item in items {
        let value = serde_json::to_value(item).map_err(handlebars::RenderErrorReason::from)?;
        let mut block = handlebars::BlockContext::new();
        block.set_base_value(value);
        rc.push_block(block);
        let rendered = template.render(r, ctx, rc, out);
        rc.pop_block();
        rendered?;
    }
    Ok(())
}

/// `{{#finding_groups id}}…{{/finding_groups}}`: the groups of check `id`.
pub(super) struct FindingGroups<'d>(&'d PageData<'d>);

/// `{{#matrix_rows}}…{{/matrix_rows}}`: one row per account.
pub(super) struct MatrixRows<'d>(&'d PageData<'d>);

/// `{{#evidence_chunks}}…{{/evidence_chunks}}`: the compressed evidence.
pub(super) struct EvidenceChunks<'d>(&'d PageData<'d>);

impl handlebars::HelperDef for FindingGroups<'_> {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &handlebars::Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc handlebars::Context,
        rc: &mut handlebars::RenderContext<'reg, 'rc>,
        out: &mut dyn handlebars::Output,
    ) -> handlebars::HelperResult {
        let id = h.param(0).and_then(|p| p.value().as_str()).ok_or(
            handlebars::RenderErrorReason::ParamNotFoundForIndex("finding_groups", 0),
        )?;
        let data = self.0;
        let groups = match data.order.iter().position(|c| *c == id) {
            Some(c) => data.groups[c].as_slice(),
            None => &[],
        };
        render_items(
            groups.iter().map(|g| data.group_view(g)),
            h,
            r,
            ctx,
            rc,
            out,
        )
    }
}

impl handlebars::HelperDef for MatrixRows<'_> {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &handlebars::Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc handlebars::Context,
        rc: &mut handlebars::RenderContext<'reg, 'rc>,
        out: &mut dyn handlebars::Output,
    ) -> handlebars::HelperResult {
        let data = self.0;
        let rows = data
            .accounts
            .iter()
            .zip(&data.cells)
            .map(|(account, cells)| MatrixRow {
                account,
                cells: cells
                    .iter()
                    .map(|w| MatrixCell {
                        status: w.map_or("none", Status::as_str),
                        label: w.map_or("—", |s| view::status(s).label),
                    })
                    .collect(),
            });
        render_items(rows, h, r, ctx, rc, out)
    }
}

impl handlebars::HelperDef for EvidenceChunks<'_> {
    fn call<'reg: 'rc, 'rc>(
        &self,
        h: &handlebars::Helper<'rc>,
        r: &'reg Handlebars<'reg>,
        ctx: &'rc handlebars::Context,
        rc: &mut handlebars::RenderContext<'reg, 'rc>,
        out: &mut dyn handlebars::Output,
    ) -> handlebars::HelperResult {
        let chunks = self
            .0
            .evidence
            .chunks
            .iter()
            .map(|(first, data)| ChunkView {
                first: *first,
                data,
            });
        render_items(chunks, h, r, ctx, rc, out)
    }
}

pub(super) fn register_row_helpers<'d>(hb: &mut Handlebars<'d>, data: &'d PageData<'d>) {
    hb.register_helper("finding_groups", Box::new(FindingGroups(data)));
    hb.register_helper("matrix_rows", Box::new(MatrixRows(data)));
    hb.register_helper("evidence_chunks", Box::new(EvidenceChunks(data)));
}
