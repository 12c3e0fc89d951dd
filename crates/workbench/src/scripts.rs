//! Each script keeps its run state while another one is open: switching
//! back to a file shows its last run, and a script still running goes on
//! collecting its events off screen. `V` is what a front-end keeps per
//! script beside the run (the window's chart tabs and run options).

use crate::document::ScriptKey;
use crate::run::ScriptRun;

/// Scripts whose run state is kept while another one is open.
pub const PARKED_SCRIPTS: usize = 16;

/// What checking and running a script leave behind: it belongs to that
/// script, and goes away and comes back with it.
#[derive(Default)]
pub struct ScriptState<V> {
    pub run: ScriptRun,
    pub view: V,
}

/// The script on screen, and the others' run state, most recent last.
pub struct Scripts<V> {
    current: ScriptKey,
    parked: Vec<(ScriptKey, ScriptState<V>)>,
    /// Hands out [`ScriptKey::Buffer`] numbers.
    buffers: u64,
}

impl<V: Default> Default for Scripts<V> {
    fn default() -> Self {
        Scripts {
            current: ScriptKey::Buffer(0),
            parked: Vec::new(),
            buffers: 0,
        }
    }
}

impl<V: Default> Scripts<V> {
    /// The script on screen.
    pub fn current(&self) -> &ScriptKey {
        &self.current
    }

    /// A key for a buffer that has no file.
    pub fn new_buffer_key(&mut self) -> ScriptKey {
        self.buffers += 1;
        ScriptKey::Buffer(self.buffers)
    }

    /// Puts `on_screen`, the run state of the script on screen, away with
    /// its script and returns `key`'s (or a fresh one); `None` when `key`
    /// is on screen already. A running script's state is always kept, so
    /// its events still land in it; a buffer without a file that is not
    /// running has nothing to come back to.
    pub fn switch(
        &mut self,
        key: ScriptKey,
        on_screen: impl FnOnce() -> ScriptState<V>,
    ) -> Option<ScriptState<V>> {
        if key == self.current {
            return None;
        }
        let state = on_screen();
        let old = std::mem::replace(&mut self.current, key.clone());
        if matches!(old, ScriptKey::File(_)) || state.run.state().is_active() {
            self.parked.retain(|(k, _)| *k != old);
            self.parked.push((old, state));
            self.trim();
        }
        Some(match self.parked.iter().position(|(k, _)| *k == key) {
            Some(i) => self.parked.remove(i).1,
            None => ScriptState::default(),
        })
    }

    /// The script on screen was saved as the file `key`: its run state
    /// now belongs to that file, and whatever was kept for an older script
    /// of that name is replaced.
    pub fn saved_as(&mut self, key: ScriptKey) {
        self.parked.retain(|(k, _)| *k != key);
        self.current = key;
    }

    /// Forgets the oldest scripts that are not running, past the bound.
    fn trim(&mut self) {
        while self.parked.len() > PARKED_SCRIPTS {
            match self
                .parked
                .iter()
                .position(|(_, s)| !s.run.state().is_active())
            {
                Some(i) => drop(self.parked.remove(i)),
                None => break,
            }
        }
    }

    /// The name of another script whose run is still going, if any.
    pub fn running_elsewhere(&self) -> Option<String> {
        self.parked
            .iter()
            .find(|(_, s)| s.run.state().is_active())
            .map(|(k, _)| k.describe())
    }

    /// The run of a script not on screen that is job `job`.
    pub fn parked_run(&mut self, job: u64) -> Option<&mut ScriptRun> {
        self.parked
            .iter_mut()
            .map(|(_, s)| &mut s.run)
            .find(|r| r.run_job() == Some(job))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn running(job: u64) -> ScriptState<()> {
        let mut run = ScriptRun::default();
        run.started(job, "t.d", "BEGIN {}\n");
        ScriptState { run, view: () }
    }

    #[test]
    fn a_file_comes_back_with_its_run_and_a_running_buffer_is_kept() {
        let mut s = Scripts::<()>::default();
        let a = ScriptKey::File("/x/a.d".into());
        let b = s.new_buffer_key();
        // The empty first buffer is not running: nothing is kept of it.
        let fresh = s.switch(a.clone(), ScriptState::default).unwrap();
        assert!(fresh.run.run_job().is_none());
        let fresh = s.switch(b.clone(), || running(4)).unwrap();
        assert!(fresh.run.run_job().is_none());
        assert_eq!(s.running_elsewhere().as_deref(), Some("a.d"));
        assert!(s.parked_run(4).is_some());
        let back = s.switch(a.clone(), || running(5)).unwrap();
        assert_eq!(back.run.run_job(), Some(4));
        assert!(s.switch(a, ScriptState::default).is_none());
        assert_eq!(s.running_elsewhere().as_deref(), Some("an unsaved script"));
    }

    #[test]
    fn only_so_many_idle_scripts_are_kept() {
        let mut s = Scripts::<()>::default();
        for i in 0..PARKED_SCRIPTS + 5 {
            let key = ScriptKey::File(format!("/x/{i}.d").into());
            s.switch(key, ScriptState::default);
        }
        assert!(s.parked.len() <= PARKED_SCRIPTS);
    }
}
