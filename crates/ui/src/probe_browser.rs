//! The probe browser: the system's probes (as `dtrace -l` lists them) as a
//! tree provider > module > function > name, filtered as the user types,
//! with a way to put a probe description into the script.
//!
//! The list is sorted once when it arrives; typing rebuilds a flat list of
//! the visible rows in one pass, and only the rows in view are drawn, so
//! 100,000 probes stay responsive.
//!
//! Only the tree scrolls: the selected probe's details and the Insert
//! button sit in a footer below it, so a short panel still shows them.

use crate::lang::probe_pattern::{ProbePattern, glob};
use crate::model::Probe;
use egui::text::{LayoutJob, TextFormat};
use egui::{FontId, RichText, TextStyle, Ui, vec2};
use std::collections::{HashMap, HashSet};
use std::sync::Arc;

/// What the filter box holds, ready to test probes against.
#[derive(Debug, Clone, Default)]
pub enum ProbeFilter {
    #[default]
    All,
    /// A description with colons, as `dtrace -l -n` reads it.
    Pattern(ProbePattern),
    /// Wildcards without colons: any one field matches.
    FieldGlob(String),
    /// Plain text: a case-insensitive part of the description.
    Text(String),
    /// Any of a script's probe descriptions.
    AnyOf(Vec<ProbePattern>),
}

impl ProbeFilter {
    pub fn parse(text: &str) -> ProbeFilter {
        let t = text.trim();
        if t.is_empty() {
            ProbeFilter::All
        } else if t.contains(':') {
            ProbeFilter::Pattern(ProbePattern::parse(t))
        } else if t.contains(['*', '?', '[']) {
            ProbeFilter::FieldGlob(t.to_owned())
        } else {
            ProbeFilter::Text(t.to_lowercase())
        }
    }

    /// `lower` is the probe's description in lower case.
    fn matches(&self, probe: &Probe, lower: &str) -> bool {
        match self {
            ProbeFilter::All => true,
            ProbeFilter::Pattern(p) => p.matches(probe),
            ProbeFilter::FieldGlob(g) => {
                [&probe.provider, &probe.module, &probe.function, &probe.name]
                    .iter()
                    .any(|f| glob(g.as_bytes(), f.as_bytes()))
            }
            ProbeFilter::Text(t) => lower.contains(t.as_str()),
            ProbeFilter::AnyOf(patterns) => patterns.iter().any(|p| p.matches(probe)),
        }
    }

    fn is_all(&self) -> bool {
        matches!(self, ProbeFilter::All)
    }
}

/// The level of a row in the tree.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Level {
    Provider,
    Module,
    Function,
    Probe,
}

/// One visible row: a group heading or a probe, named by the first probe
/// under it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TreeRow {
    pub level: Level,
    /// Index into the probe list.
    pub probe: u32,
    /// Matching probes under a heading (1 for a probe).
    pub count: u32,
}

/// The probe list, sorted, with what the filter and the open headings
/// make visible.
#[derive(Debug, Default)]
pub struct ProbeTree {
    /// Sorted; shared with completion.
    probes: Arc<Vec<Probe>>,
    lower: Vec<String>,
    /// Open headings, as `provider`, `provider:module` or
    /// `provider:module:function`.
    open: HashSet<String>,
    rows: Vec<TreeRow>,
    matches: usize,
    /// By probe: whether another module has a probe with the same
    /// provider, function and name, so the module must be written to say
    /// which one is meant.
    probe_needs_module: Vec<bool>,
    /// By probe: whether its provider and function occur in more than one
    /// module.
    function_needs_module: Vec<bool>,
}

impl ProbeTree {
    pub fn new(mut probes: Vec<Probe>) -> ProbeTree {
        probes.sort_unstable_by(|a, b| {
            (&a.provider, &a.module, &a.function, &a.name).cmp(&(
                &b.provider,
                &b.module,
                &b.function,
                &b.name,
            ))
        });
        let lower = probes
            .iter()
            .map(|p| p.description().to_lowercase())
            .collect();
        let (probe_needs_module, function_needs_module) = modules_needed(&probes);
        let mut tree = ProbeTree {
            probes: Arc::new(probes),
            lower,
            probe_needs_module,
            function_needs_module,
            ..ProbeTree::default()
        };
        tree.refilter(&ProbeFilter::All);
        tree
    }

    pub fn len(&self) -> usize {
        self.probes.len()
    }

    /// The whole list, without copying it.
    pub fn shared(&self) -> Arc<Vec<Probe>> {
        Arc::clone(&self.probes)
    }

    pub fn is_empty(&self) -> bool {
        self.probes.is_empty()
    }

    /// Probes the filter lets through.
    pub fn matches(&self) -> usize {
        self.matches
    }

    pub fn rows(&self) -> &[TreeRow] {
        &self.rows
    }

    pub fn probe(&self, index: u32) -> &Probe {
        &self.probes[index as usize]
    }

    /// What a row is called in the tree.
    pub fn label(&self, row: &TreeRow) -> &str {
        let p = self.probe(row.probe);
        let s = match row.level {
            Level::Provider => &p.provider,
            Level::Module => &p.module,
            Level::Function => &p.function,
            Level::Probe => &p.name,
        };
        if s.is_empty() { "(none)" } else { s }
    }

    /// The probe description a row stands for, as people write it: a
    /// whole probe, or a heading with the fields below it left empty
    /// (matching them all). The module is left out where the other fields
    /// already name the probe (`syscall::read:entry`), and kept where
    /// several modules have it (the same function in two libraries).
    pub fn description(&self, row: &TreeRow) -> String {
        let i = row.probe as usize;
        let p = self.probe(row.probe);
        match row.level {
            Level::Provider => format!("{}:::", p.provider),
            Level::Module => format!("{}:{}::", p.provider, p.module),
            Level::Function if self.function_needs_module[i] => {
                format!("{}:{}:{}:", p.provider, p.module, p.function)
            }
            Level::Function => format!("{}::{}:", p.provider, p.function),
            Level::Probe if self.probe_needs_module[i] => p.description(),
            Level::Probe => format!("{}::{}:{}", p.provider, p.function, p.name),
        }
    }

    /// Whether any probe in the list matches.
    pub fn any_matches(&self, pattern: &ProbePattern) -> bool {
        self.probes.iter().any(|p| pattern.matches(p))
    }

    /// Every field of what a row stands for, module included.
    pub fn full_description(&self, row: &TreeRow) -> String {
        let p = self.probe(row.probe);
        match row.level {
            Level::Provider => format!("{}:::", p.provider),
            Level::Module => format!("{}:{}::", p.provider, p.module),
            Level::Function => format!("{}:{}:{}:", p.provider, p.module, p.function),
            Level::Probe => p.description(),
        }
    }

    fn key(&self, row: &TreeRow) -> String {
        let p = self.probe(row.probe);
        match row.level {
            Level::Provider => p.provider.clone(),
            Level::Module => format!("{}:{}", p.provider, p.module),
            Level::Function => format!("{}:{}:{}", p.provider, p.module, p.function),
            Level::Probe => p.description(),
        }
    }

    pub fn is_open(&self, row: &TreeRow) -> bool {
        self.open.contains(&self.key(row))
    }

    /// Opens or closes a heading; `filter` is applied again.
    pub fn toggle(&mut self, row: &TreeRow, filter: &ProbeFilter) {
        let key = self.key(row);
        if !self.open.remove(&key) {
            self.open.insert(key);
        }
        self.refilter(filter);
    }

    /// Rebuilds the visible rows in one pass over the sorted list. With a
    /// filter every heading with a match is open; without one, only those
    /// the user opened.
    pub fn refilter(&mut self, filter: &ProbeFilter) {
        let all_open = !filter.is_all();
        self.rows.clear();
        self.matches = 0;
        // The heading rows of the current group, to count into.
        let mut heads: [Option<usize>; 3] = [None; 3];
        let mut prev: Option<u32> = None;
        let mut shown = [false; 3];
        for (i, probe) in self.probes.iter().enumerate() {
            if !filter.matches(probe, &self.lower[i]) {
                continue;
            }
            self.matches += 1;
            let i = i as u32;
            // The first level at which this probe differs from the last
            // matching one: headings from there on are new.
            let from = match prev.map(|q| &self.probes[q as usize]) {
                None => 0,
                Some(q) if q.provider != probe.provider => 0,
                Some(q) if q.module != probe.module => 1,
                Some(q) if q.function != probe.function => 2,
                Some(_) => 3,
            };
            prev = Some(i);
            for level in from..3 {
                let visible =
                    level == 0 || shown[level - 1] && self.open_at(level - 1, i, all_open);
                shown[level] = visible;
                heads[level] = visible.then(|| {
                    self.rows.push(TreeRow {
                        level: [Level::Provider, Level::Module, Level::Function][level],
                        probe: i,
                        count: 0,
                    });
                    self.rows.len() - 1
                });
            }
            for h in heads.iter().flatten() {
                self.rows[*h].count += 1;
            }
            if shown[2] && self.open_at(2, i, all_open) {
                self.rows.push(TreeRow {
                    level: Level::Probe,
                    probe: i,
                    count: 1,
                });
            }
        }
    }

    fn open_at(&self, level: usize, probe: u32, all_open: bool) -> bool {
        if all_open {
            return true;
        }
        let p = self.probe(probe);
        let key = match level {
            0 => p.provider.clone(),
            1 => format!("{}:{}", p.provider, p.module),
            _ => format!("{}:{}:{}", p.provider, p.module, p.function),
        };
        self.open.contains(&key)
    }
}

/// Which probes need their module written to be told apart; see
/// [`ProbeTree::description`]. `probes` is sorted.
fn modules_needed(probes: &[Probe]) -> (Vec<bool>, Vec<bool>) {
    let mut same_probe: HashMap<(&str, &str, &str), u32> = HashMap::new();
    let mut same_function: HashMap<(&str, &str), u32> = HashMap::new();
    for (i, p) in probes.iter().enumerate() {
        *same_probe
            .entry((&p.provider, &p.function, &p.name))
            .or_default() += 1;
        // Sorted, so a function's probes in one module are together:
        // count each module once.
        let first_in_module = i == 0 || {
            let q = &probes[i - 1];
            (&q.provider, &q.module, &q.function) != (&p.provider, &p.module, &p.function)
        };
        if first_in_module {
            *same_function.entry((&p.provider, &p.function)).or_default() += 1;
        }
    }
    probes
        .iter()
        .map(|p| {
            (
                same_probe[&(p.provider.as_str(), p.function.as_str(), p.name.as_str())] > 1,
                same_function[&(p.provider.as_str(), p.function.as_str())] > 1,
            )
        })
        .unzip()
}

/// What the user asked of the browser.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum BrowserAction {
    /// Put this probe description into the script at the cursor.
    Insert(String),
    /// Ask libdtrace for the list again.
    Refresh,
    /// Show the probes the script's descriptions match.
    ShowMatched,
    /// Ask libdtrace for the argument types of this probe.
    ArgTypes(Probe),
}

/// The side panel's state.
#[derive(Debug, Default)]
pub struct ProbeBrowser {
    pub open: bool,
    filter_text: String,
    /// What the user asked for.
    asked: ProbeFilter,
    /// What the tree shows: `asked`, or its fields read from the left when
    /// `asked` as dtrace reads it matches nothing.
    filter: ProbeFilter,
    /// Why the tree shows something other than what was asked.
    hint: Option<String>,
    /// The script's descriptions, while the matched view is up.
    matched: Vec<String>,
    /// The script's descriptions with no probe in the list, and why.
    unlisted: Vec<(String, &'static str)>,
    /// The footer's height in the last frame, to leave room for it.
    footer_height: f32,
    tree: Option<ProbeTree>,
    /// Loading, and the job that will answer.
    pub loading: Option<u64>,
    error: Option<String>,
    selected: Option<TreeRow>,
    /// Argument types by probe description, once asked for; `None` while
    /// the answer is on its way.
    arg_types: HashMap<String, Option<Result<Vec<String>, String>>>,
}

const ROW_HEIGHT: f32 = 18.0;

impl ProbeBrowser {
    pub fn tree(&self) -> Option<&ProbeTree> {
        self.tree.as_ref()
    }

    pub fn has_list(&self) -> bool {
        self.tree.is_some()
    }

    /// Forgets the list (another machine's probes are coming).
    pub fn forget(&mut self) {
        self.tree = None;
        self.loading = None;
        self.error = None;
        self.selected = None;
        self.arg_types.clear();
    }

    /// The answer to a listing.
    pub fn listed(&mut self, result: Result<Vec<Probe>, String>) {
        self.loading = None;
        match result {
            Ok(probes) => {
                self.tree = Some(ProbeTree::new(probes));
                self.error = None;
                self.selected = None;
                self.refilter();
            }
            Err(e) => self.error = Some(e),
        }
    }

    /// Shows only the probes these descriptions (a script's) match.
    /// Descriptions of probes the profile provider makes on enabling
    /// (`tick-1s`) are listed as such, and any that matches nothing is
    /// listed as matching nothing.
    pub fn show_matched(&mut self, descriptions: Vec<String>) {
        self.filter_text = format!("matched by the script: {}", descriptions.join(", "));
        let patterns = descriptions
            .iter()
            .map(|d| ProbePattern::parse(d))
            .collect();
        self.matched = descriptions;
        self.asked = ProbeFilter::AnyOf(patterns);
        self.selected = None;
        self.refilter();
    }

    /// Why the tree shows other probes than the filter asked for.
    pub fn hint(&self) -> Option<&str> {
        self.hint.as_deref()
    }

    /// In the matched view: the script's descriptions that no listed probe
    /// matches, with "created when enabled" or "matches no probe".
    pub fn unlisted(&self) -> &[(String, &'static str)] {
        &self.unlisted
    }

    /// The answer to an argument-type question.
    pub fn arg_types_known(&mut self, probe: &Probe, types: Result<Vec<String>, String>) {
        self.arg_types.insert(probe.description(), Some(types));
    }

    /// What is known of a probe's argument types.
    pub fn arg_types(&self, probe: &Probe) -> Option<&Result<Vec<String>, String>> {
        self.arg_types
            .get(&probe.description())
            .and_then(Option::as_ref)
    }

    pub fn set_filter(&mut self, text: &str) {
        self.filter_text = text.to_owned();
        self.apply(ProbeFilter::parse(text));
    }

    fn apply(&mut self, filter: ProbeFilter) {
        self.asked = filter;
        self.matched.clear();
        self.selected = None;
        self.refilter();
    }

    /// Applies what was asked to the tree, with the fallbacks that make a
    /// near miss useful.
    fn refilter(&mut self) {
        self.filter = self.asked.clone();
        self.hint = None;
        self.unlisted.clear();
        let Some(tree) = &mut self.tree else { return };
        tree.refilter(&self.filter);
        // dtrace(1) reads `syscall::read*` as module:function:name, which
        // matches nothing; people mean the leading fields.
        if tree.matches() == 0
            && let ProbeFilter::Pattern(asked) = &self.asked
            && let Some(left) = asked.from_the_left()
        {
            let left = ProbeFilter::Pattern(left);
            tree.refilter(&left);
            if tree.matches() > 0 {
                self.hint = Some(format!(
                    "No probe has {}; showing {}",
                    asked.in_words(),
                    asked.from_the_left_text()
                ));
                self.filter = left;
            } else {
                tree.refilter(&self.filter);
            }
        }
        if let ProbeFilter::AnyOf(patterns) = &self.asked {
            for (text, pattern) in self.matched.iter().zip(patterns) {
                if !tree.any_matches(pattern) {
                    let why = if pattern.created_when_enabled() {
                        "created when enabled"
                    } else {
                        "matches no probe"
                    };
                    self.unlisted.push((text.clone(), why));
                }
            }
        }
    }

    pub fn show(&mut self, ui: &mut Ui) -> Option<BrowserAction> {
        let mut action = self.header(ui);
        let Some(tree) = &mut self.tree else {
            if self.loading.is_some() {
                ui.label("Listing probes…");
            }
            return action;
        };
        if let Some(hint) = &self.hint {
            ui.add(egui::Label::new(RichText::new(hint).weak()).wrap());
        }
        ui.label(format!("{} of {} probes", tree.matches(), tree.len()));
        let filter = &self.filter;
        // The tree takes what the footer leaves, but never less than two
        // rows.
        let spacing = ui.spacing().item_spacing.y;
        let budget = ui.available_height();
        let tree_height = (budget - self.footer_height - spacing).max(2.0 * ROW_HEIGHT);
        // Argument types get a quarter of the room at most, so a short
        // panel keeps its button and some tree.
        let args_height = (budget * 0.25).clamp(ROW_HEIGHT, 4.0 * ROW_HEIGHT);
        let rows = TreeView {
            tree,
            filter,
            unlisted: &self.unlisted,
        };
        let (toggle, insert) = rows.show(ui, tree_height, &mut self.selected);
        if insert.is_some() {
            action = insert;
        }
        if let Some(row) = toggle {
            tree.toggle(&row, filter);
        }
        let top = ui.cursor().min.y;
        if let Some(a) = footer(ui, tree, self.selected, &mut self.arg_types, args_height) {
            action = Some(a);
        }
        // A footer that grew or shrank (another probe's arguments) gets its
        // room in the same frame, not one frame late.
        let height = ui.min_rect().bottom() - top;
        if (height - self.footer_height).abs() > 0.5 {
            self.footer_height = height;
            ui.ctx().request_discard("probe browser footer resized");
        }
        action
    }

    /// The title line with Refresh and Matched probes, the filter box and
    /// any error of the last listing.
    fn header(&mut self, ui: &mut Ui) -> Option<BrowserAction> {
        let mut action = None;
        ui.horizontal(|ui| {
            ui.strong("Probes");
            let busy = self.loading.is_some();
            if ui
                .add_enabled(!busy, egui::Button::new("Refresh"))
                .on_hover_text("List the probes again (dtrace -l)")
                .clicked()
            {
                action = Some(BrowserAction::Refresh);
            }
            if ui
                .button("Matched probes")
                .on_hover_text("Show the probes the script's clauses would enable")
                .clicked()
            {
                action = Some(BrowserAction::ShowMatched);
            }
            if busy {
                // Text, not a spinner: an animation would redraw all the
                // time over a slow remote display.
                ui.weak("listing…");
            }
        });
        let label = ui.label("Filter");
        let r = ui
            .add(
                egui::TextEdit::singleline(&mut self.filter_text)
                    .hint_text("read, syscall::read*:entry, *lock*")
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(label.id);
        if r.changed() {
            let text = self.filter_text.clone();
            self.set_filter(&text);
        }
        if let Some(e) = &self.error {
            ui.colored_label(ui.visuals().error_fg_color, e);
        }
        action
    }
}

/// The scrolling part of the browser: the script's unlisted descriptions
/// first, then the tree's visible rows, of which only those in view are
/// laid out.
struct TreeView<'a> {
    tree: &'a ProbeTree,
    filter: &'a ProbeFilter,
    unlisted: &'a [(String, &'static str)],
}

impl TreeView<'_> {
    /// Draws the rows `height` high at most. Returns the heading clicked
    /// (to open or close) and what a double click asks to insert.
    fn show(
        &self,
        ui: &mut Ui,
        height: f32,
        selected: &mut Option<TreeRow>,
    ) -> (Option<TreeRow>, Option<BrowserAction>) {
        let (tree, unlisted) = (self.tree, self.unlisted);
        let mut toggle = None;
        let mut action = None;
        let mono = TextStyle::Monospace.resolve(ui.style());
        egui::ScrollArea::both()
            .id_salt("probe-tree")
            .auto_shrink([false, false])
            .max_height(height)
            .min_scrolled_height(2.0 * ROW_HEIGHT)
            .show_rows(
                ui,
                ROW_HEIGHT,
                unlisted.len() + tree.rows().len(),
                |ui, range| {
                    for i in range {
                        if let Some((description, why)) = unlisted.get(i) {
                            ui.label(unlisted_text(ui, description, why, &mono));
                            continue;
                        }
                        let row = &tree.rows()[i - unlisted.len()];
                        let r = self.row(ui, row, *selected == Some(*row));
                        if r.clicked() {
                            *selected = Some(*row);
                            if row.level != Level::Probe && self.filter.is_all() {
                                toggle = Some(*row);
                            }
                        }
                        if r.double_clicked() {
                            action = Some(BrowserAction::Insert(tree.description(row)));
                        }
                    }
                },
            );
        (toggle, action)
    }

    /// A heading (with its mark and count) or a probe, indented by its
    /// level.
    fn row(&self, ui: &mut Ui, row: &TreeRow, selected: bool) -> egui::Response {
        let tree = self.tree;
        let indent = match row.level {
            Level::Provider => 0.0,
            Level::Module => 1.0,
            Level::Function => 2.0,
            Level::Probe => 3.0,
        } * 14.0;
        ui.horizontal(|ui| {
            ui.add_space(indent);
            let text = if row.level == Level::Probe {
                RichText::new(tree.label(row)).monospace()
            } else {
                let mark = if self.filter.is_all() && !tree.is_open(row) {
                    "+"
                } else {
                    "-"
                };
                RichText::new(format!("{mark} {}  ({})", tree.label(row), row.count)).monospace()
            };
            ui.add(egui::Button::selectable(selected, text).min_size(vec2(0.0, ROW_HEIGHT - 2.0)))
                .on_hover_text(tree.full_description(row))
        })
        .inner
    }
}

/// "tick-1s — created when enabled": a script's description that no
/// listed probe matches, with why.
fn unlisted_text(ui: &Ui, description: &str, why: &str, mono: &FontId) -> LayoutJob {
    let mut job = LayoutJob::default();
    job.append(
        description,
        0.0,
        TextFormat::simple(mono.clone(), ui.visuals().text_color()),
    );
    job.append(
        &format!(" — {why}"),
        0.0,
        TextFormat::simple(
            TextStyle::Body.resolve(ui.style()),
            ui.visuals().weak_text_color(),
        ),
    );
    job
}

/// Below the tree: what the selection inserts, a probe's argument types
/// (asked for on first selection) and the Insert button.
fn footer(
    ui: &mut Ui,
    tree: &ProbeTree,
    selected: Option<TreeRow>,
    arg_types: &mut HashMap<String, Option<Result<Vec<String>, String>>>,
    args_height: f32,
) -> Option<BrowserAction> {
    let mut action = None;
    ui.separator();
    let chosen = selected.map(|r| tree.description(&r));
    match &chosen {
        Some(d) => {
            ui.add(egui::Label::new(RichText::new(d).monospace()).truncate());
        }
        None => {
            ui.weak("Select a probe or a heading.");
        }
    }
    if let Some(row) = selected.filter(|r| r.level == Level::Probe) {
        let probe = tree.probe(row.probe).clone();
        match arg_types.get(&probe.description()) {
            None => {
                arg_types.insert(probe.description(), None);
                action = Some(BrowserAction::ArgTypes(probe));
                ui.weak("Reading argument types…");
            }
            Some(None) => {
                ui.weak("Reading argument types…");
            }
            Some(Some(Ok(types))) if types.is_empty() => {
                ui.weak("No typed arguments (args[]).");
            }
            Some(Some(Ok(types))) => {
                // Many arguments scroll on their own, so the button below
                // stays in view.
                egui::ScrollArea::vertical()
                    .id_salt("probe-args")
                    .max_height(args_height)
                    .min_scrolled_height(ROW_HEIGHT)
                    .show(ui, |ui| {
                        for (i, t) in types.iter().enumerate() {
                            ui.label(RichText::new(format!("args[{i}]: {t}")).monospace());
                        }
                    });
            }
            Some(Some(Err(e))) => {
                ui.add(egui::Label::new(RichText::new(e.as_str()).weak()).truncate());
            }
        }
    }
    if ui
        .add_enabled(chosen.is_some(), egui::Button::new("Insert at cursor"))
        .on_hover_text("Put the selected probe description into the script (or double-click it)")
        .clicked()
        && let Some(d) = chosen
    {
        action = Some(BrowserAction::Insert(d));
    }
    action
}

#[cfg(test)]
mod tests;
