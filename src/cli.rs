//! The command line, defined once: parsing, `-h`, man pages and completions
//! all come from these types.

use clap::{Args, Parser, Subcommand, ValueEnum};

/// Give every AI coding agent its own worktree and branch; review the result,
/// keep it or throw it away. All state lives in the repository
/// (refs/agents/*, refs/notes/agents); configuration in [agent] of .git/config.
#[derive(Debug, Parser)]
#[command(
    name = "git-agent",
    bin_name = "git agent",
    version,
    propagate_version = true
)]
#[command(
    after_help = "Exit status: 0 success, 1 refused or failed, 2 bad usage.\n\
See `git agent <verb> -h` for each verb, and `git help agent` for the manual."
)]
pub struct Cli {
    /// When to colour output: auto, always or never.
    #[arg(long, global = true, value_enum, value_name = "WHEN", default_value_t = ColorWhen::Auto)]
    pub color: ColorWhen,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ColorWhen {
    Auto,
    Always,
    Never,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Create a session: a worktree on a new branch, from HEAD or --base.
    #[command(after_long_help = NEW_NOTES)]
    New(NewArgs),
    /// List live sessions (--all: also kept and discarded).
    List(ListArgs),
    /// Everything known about one session, with its last run and the tail of its log.
    Show(ShowArgs),
    /// Print a session's worktree path.
    Path(PathArgs),
    /// Show a session's whole change against its base, as git diff prints it.
    Diff(DiffArgs),
    /// Run a command or agent in a session's worktree.
    #[command(after_long_help = RUN_NOTES)]
    Run(RunArgs),
    /// Print the output of a session's detached runs.
    Logs(LogsArgs),
    /// Wait for runs to end; exit 0 only if all ended `done`.
    Wait(WaitArgs),
    /// End a session's live run (its whole process group).
    Stop(StopArgs),
    /// Bring a session's change into this checkout (staged, or as commits).
    #[command(after_long_help = KEEP_NOTES)]
    Keep(KeepArgs),
    /// Remove a session's worktree and branch; restorable until gc.
    #[command(after_long_help = DISCARD_NOTES)]
    Discard(DiscardArgs),
    /// Bring a discarded or kept session back: worktree, branch, index and files.
    Restore(RestoreArgs),
    /// Pairs of live sessions that change the same paths, and whether they merge.
    #[command(after_long_help = OVERLAP_NOTES)]
    Overlap(OverlapArgs),
    /// Send sessions (their refs, snapshotted first) and notes to a remote.
    #[command(after_long_help = PUSH_NOTES)]
    Push(PushArgs),
    /// Bring sessions and notes from a remote; they list as pushed.
    #[command(after_long_help = FETCH_NOTES)]
    Fetch(FetchArgs),
    /// Forget old kept/discarded sessions, repair broken ones, prune leftovers.
    Gc(GcArgs),
    /// Watch the sessions live: a full-screen view, or one JSON line per change.
    #[command(after_long_help = WATCH_NOTES)]
    Watch(WatchArgs),
    /// Serve a live, read-only web page of the sessions on 127.0.0.1.
    #[command(after_long_help = BOARD_NOTES)]
    Board(BoardArgs),
    /// Show, fill or empty the warm pool of spare worktrees (agent.pool).
    #[command(after_long_help = POOL_NOTES)]
    Pool(PoolArgs),
    /// Print the shell completion script.
    Completions(CompletionsArgs),
    /// Run a read-only reviewer on sessions' changes; record its JSON verdict.
    #[command(after_long_help = REVIEW_NOTES)]
    Review(ReviewArgs),
    /// Run a corrector on the latest review's blocking findings.
    #[command(after_long_help = FIX_NOTES)]
    Fix(FixArgs),
    /// Internal: run a detached review to its recorded verdict.
    #[command(name = "__review", hide = true)]
    ReviewWorker(ReviewArgs),
    /// Land sessions as commits on this branch, in an order that lands the most.
    #[command(after_long_help = LAND_NOTES)]
    Land(LandArgs),
    /// Merge this checkout's branch into a session (conflicts: an agent can resolve them).
    #[command(after_long_help = SYNC_NOTES)]
    Sync(SyncArgs),
    /// Every commit of a range with its provenance (session, agent, prompt, review).
    #[command(after_long_help = AUDIT_NOTES)]
    Audit(AuditArgs),
    /// Internal: watch a detached run.
    #[command(name = "__supervise", hide = true)]
    Supervise(SuperviseArgs),
    /// Internal: delete removed worktrees' files in the background.
    #[command(name = "__purge", hide = true)]
    Purge(PurgeArgs),
    /// Internal: fill the warm pool and clean given-back spares in the background.
    #[command(name = "__pool-fill", hide = true)]
    PoolFill,
    /// Internal: print the trees a snapshot of a worktree would hold
    /// (HEAD, index, everything), for tests and for debugging.
    #[command(name = "__snapshot", hide = true)]
    Snapshot(SnapshotArgs),
}

#[derive(Debug, Args)]
pub struct SnapshotArgs {
    pub worktree: std::path::PathBuf,
}

#[derive(Debug, Args)]
pub struct PurgeArgs {
    pub trash: std::path::PathBuf,
}

/// How to run an agent or command (shared by `new` and `run`).
#[derive(Debug, Args)]
pub struct RunOptions {
    /// Run the configured agent (agent.<name>.command, or a built-in:
    /// codex, claude, opencode, aider, gemini); without a name, agent.default.
    #[arg(short = 'a', long = "agent", value_name = "AGENT", num_args = 0..=1, default_missing_value = "")]
    pub agent: Option<String>,
    /// The prompt: appended as the last argument of an agent (-a), and in
    /// GIT_AGENT_PROMPT for agents and commands alike.
    #[arg(
        short = 'm',
        long = "prompt",
        value_name = "PROMPT",
        conflicts_with = "prompt_file"
    )]
    pub prompt: Option<String>,
    /// Read the prompt from a file.
    #[arg(long, value_name = "FILE")]
    pub prompt_file: Option<std::path::PathBuf>,
    /// Run in the background; output goes to the session's log.
    #[arg(long)]
    pub detach: bool,
    /// Kill the run after this long (30s, 10m, 2h); default agent.timeout.
    #[arg(long, value_name = "DUR")]
    pub timeout: Option<String>,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// Session id or unique prefix (default: the session whose worktree you are in).
    pub id: Option<String>,
    #[command(flatten)]
    pub options: RunOptions,
    /// Fail (exit 1) and undo everything if the run changes the worktree, a ref, hooks, config or info/.
    #[arg(long)]
    pub read_only: bool,
    /// The command to run, after `--`.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LogsArgs {
    /// Session id or unique prefix (default: the session whose worktree you are in).
    pub id: Option<String>,
    /// Keep printing while the run is live.
    #[arg(short, long)]
    pub follow: bool,
}

#[derive(Debug, Args)]
pub struct WaitArgs {
    /// Sessions to wait for (default: every running one).
    pub ids: Vec<String>,
    /// Give up after this long (exit 1).
    #[arg(long, value_name = "DUR")]
    pub timeout: Option<String>,
    /// Return as soon as one of them ends; print its id on stdout (exit 0
    /// if it ended `done`, 1 otherwise).
    #[arg(long)]
    pub any: bool,
}

#[derive(Debug, Args)]
pub struct StopArgs {
    /// Session id or unique prefix (default: the session whose worktree you are in).
    pub id: Option<String>,
}

#[derive(Debug, Args)]
pub struct SuperviseArgs {
    pub id: String,
    #[arg(long)]
    pub timeout_ms: Option<u64>,
    #[arg(long)]
    pub read_only: bool,
    /// Stdin is a pipe to write a byte to once the agent's pid is recorded.
    #[arg(long)]
    pub ready_on_stdin: bool,
}

#[derive(Debug, Args)]
pub struct NewArgs {
    /// Session id (generated when omitted): letters, digits, '.', '_', '-'.
    pub id: Option<String>,
    /// Start from this commit instead of HEAD.
    #[arg(long, value_name = "REV")]
    pub base: Option<String>,
    /// Bring this checkout's staged, unstaged and untracked changes along
    /// (the session's change is then what is done on top of them).
    #[arg(long)]
    pub carry: bool,
    /// Paths the session may change (git glob pathspec, repeatable).
    #[arg(long, value_name = "GLOB", value_parser = clap::builder::NonEmptyStringValueParser::new())]
    pub scope: Vec<String>,
    /// Print the session as JSON.
    #[arg(long)]
    pub json: bool,
    #[command(flatten)]
    pub run: RunOptions,
    /// A command to run in the new session, after `--`.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct ListArgs {
    /// Also list kept and discarded sessions.
    #[arg(long)]
    pub all: bool,
    /// Print a JSON array of sessions.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// Session id or unique prefix (default: the session whose worktree you are in).
    pub id: Option<String>,
    /// Print the session as JSON.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct OverlapArgs {
    /// Print a JSON array of {"a", "b", "paths", "clean"}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PathArgs {
    /// Session id or unique prefix (default: the session whose worktree you are in).
    pub id: Option<String>,
}

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// `[<id>] [<git diff options>…] [-- <paths>…]`: the id (or unique prefix)
    /// first, then anything `git diff` accepts.
    #[arg(
        trailing_var_arg = true,
        allow_hyphen_values = true,
        value_name = "ARGS"
    )]
    pub args: Vec<String>,
}

#[derive(Debug, Args)]
pub struct KeepArgs {
    /// Session id or unique prefix (default: the session whose worktree you are in).
    pub id: Option<String>,
    /// Make one commit on the current branch instead of staging the change.
    #[arg(long, conflicts_with = "commit")]
    pub squash: bool,
    /// Message of the --squash commit (default: the run's prompt, else the id).
    #[arg(short, long, value_name = "MSG", requires = "squash")]
    pub message: Option<String>,
    /// Replay the session's commits, plus one for uncommitted leftovers.
    #[arg(long)]
    pub commit: bool,
    /// Leave the session's worktree and branch in place afterwards.
    #[arg(long)]
    pub keep_worktree: bool,
    /// With --squash/--commit: skip the pre-commit and commit-msg hooks, as `git commit --no-verify`.
    #[arg(long, short = 'n')]
    pub no_verify: bool,
    /// Keep even with a live run (stopped first) or out-of-scope changes.
    #[arg(long, short)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct DiscardArgs {
    /// Session id or unique prefix (default: the session whose worktree you are in).
    pub id: Option<String>,
    /// Stop a live run first instead of refusing.
    #[arg(long, short)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// Session id or unique prefix (kept or discarded, with a snapshot).
    pub id: String,
}

#[derive(Debug, Args)]
pub struct PushArgs {
    /// The remote (default: origin).
    #[arg(value_name = "REMOTE")]
    pub remote: Option<String>,
    /// Sessions to push, by id or unique prefix (default: all).
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// Replace a remote session of the same id made in another clone (or
    /// changed there since it was fetched) instead of refusing.
    #[arg(long, short)]
    pub force: bool,
}

#[derive(Debug, Args)]
pub struct FetchArgs {
    /// The remote (default: origin).
    #[arg(value_name = "REMOTE")]
    pub remote: Option<String>,
}

#[derive(Debug, Args)]
pub struct GcArgs {
    /// Print what would be done; change nothing.
    #[arg(long, short = 'n')]
    pub dry_run: bool,
    /// Forget kept and discarded sessions last changed before this date
    /// (git's forms: 2.weeks.ago, 2026-01-01, now, never; default agent.gcExpire).
    #[arg(long, value_name = "TIME")]
    pub expire: Option<String>,
    /// Print {"dry_run": …, "actions": [{"session", "action", "reason"}…]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct PoolArgs {
    /// Fill the pool up to agent.pool spares now, and wait until every
    /// spare is ready.
    #[arg(long, conflicts_with = "clear")]
    pub fill: bool,
    /// Remove every spare (waiting for those being filled).
    #[arg(long)]
    pub clear: bool,
    /// Print {"size": n, "spares": [{"path", "commit", "ready"}…]}.
    #[arg(long)]
    pub json: bool,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// bash, zsh, fish, elvish or powershell.
    pub shell: clap_complete::Shell,
}

const POOL_NOTES: &str = "\
With `git config agent.pool <n>`, git-agent keeps n spare worktrees checked \
out under <worktreeDir>/.pool/, detached at a recent commit and locked with \
reason `git-agent pool`. `new` takes one (never one still being filled, \
never one another `new` took), moves it to the session's path and writes \
only the files that differ between the spare's commit and the session's \
base; a refill starts in the background. `keep` and `discard` give the \
worktree back when the pool has room: after the snapshot it is detached and \
cleaned to a pristine checkout in the background (no untracked or ignored \
file of the session survives). Spares never show in `list` or in the main \
checkout's `git status`; `gc` removes spares beyond agent.pool or far \
behind HEAD. A spare is handed only to a `new` run in a worktree with the \
same sparse-checkout settings as the spare; else `new` checks out as \
without a pool.

--json prints {\"size\": n, \"spares\": [{\"path\": abs, \"commit\": oid, \"ready\": bool}]}; \
`ready` is false while a spare is being filled or cleaned.";

const NEW_NOTES: &str = "\
The session inherits the sparse-checkout patterns of the worktree you run \
`new` in. Submodules initialised there (or in the main worktree) are cloned \
into the session from the repository's own module repositories, never from \
the network; the others are left uninitialised, as git leaves them.

With --carry your staged, unstaged and untracked changes are copied into the \
new worktree (uncommitted there, staged split kept) and your checkout is \
left as it was. They are the session's starting point, not its work: the \
session's base is then a commit on top of HEAD that holds them (first \
parent HEAD, second the carried index, like a stash), so diff, list, \
overlap and keep show only what was done in the session, and keep leaves \
your own copy of those changes exactly as it is.";

const RUN_NOTES: &str = "\
The command runs at the top of the session's worktree (wherever you start \
it from), with GIT_AGENT_ID, GIT_AGENT_BASE, GIT_AGENT_WORKTREE and \
GIT_AGENT_PROMPT set and no inherited GIT_DIR, GIT_WORK_TREE or \
GIT_INDEX_FILE, so the agent's own git commands act on its worktree. A \
relative program path (./tool.sh) is the one in the session's worktree. In \
the foreground it owns the terminal and git agent exits with its exit code \
(127 when it cannot start); Ctrl-C, a hang-up or a kill of git agent ends \
its whole process group. --detach runs it in the background, its output in \
the session's log (git agent logs). When it ends, the worktree's full \
state is snapshotted into the session's refs, the commits it made get a \
note in refs/notes/agents, and with agent.autoCommit its leftovers are \
committed. --read-only fails the run (exit 1) if it changed any file, the \
index, HEAD or the branch HEAD is on, and puts all of it back.";

const DISCARD_NOTES: &str = "\
The snapshot holds every committed, staged, unstaged and untracked file; \
`git agent restore` brings them back until `git agent gc` expires them. \
Commits made inside a submodule are kept in the module repository they came \
from, under refs/agents/<id>/<path>. A submodule with uncommitted changes \
is refused (exit 1): commit them or clean the submodule first. keep does \
the same before it removes the worktree.";

const OVERLAP_NOTES: &str = "\
Each live session's change is read from its worktree as it is now \
(committed, staged, unstaged and untracked; nothing in the worktree is \
touched), or from its latest snapshot when it has no worktree. Two changes \
overlap when they change a path in common; they merge cleanly when git's \
three-way merge of the two, from the sessions' common base, has no \
conflict, so keeping one after the other would succeed. Prints one line \
per overlapping pair: the two ids, clean or conflict, and the paths.";

const PUSH_NOTES: &str = "\
Live sessions with a worktree are snapshotted first, so the remote gets \
their whole state: commits, staged, unstaged and untracked files. Pushes \
refs/agents/<id>/{meta,base,snapshot} and refs/notes/agents. A session's \
refs on the remote are replaced only when they hold this clone's own \
session: a session of the same id made in another clone, or a fetched \
session pushed again by its clone since it was fetched, refuses the push \
(nothing is pushed) unless --force. Each ref is replaced only if it still \
holds what push saw, so a push racing in between is never overwritten. \
Notes are never forced: when the remote has notes this clone lacks, `git \
agent fetch` merges them first.";

const FETCH_NOTES: &str = "\
Sessions new to this clone are added; sessions fetched before are updated; \
a session made in this clone is never overwritten (a same-named one made \
elsewhere is reported and skipped). Fetched sessions list with the state \
they were pushed with and no worktree; diff and show work on them, \
`git agent restore <id>` gives one a worktree and branch here, \
`git agent discard <id>` records it discarded. Notes are merged into \
refs/notes/agents (strategy cat_sort_uniq).";

const KEEP_NOTES: &str = "\
The change is the session's whole state against its base: commits, staged, \
unstaged and untracked files, deletions, renames, modes, symlinks and \
binary files. It is merged three-way into the index and files of the \
checkout you run keep in — or the session's origin when run inside the \
session — so it applies after your branch moved on, and your own \
uncommitted work in other files stays exactly as it was, staged and \
unstaged alike. The merge base is the session's base, or, once the session \
has merged or rebased onto your branch, the commit where the two last met, \
as git merge would take it. Everything is decided before anything is \
written: the checkout's index is locked (index.lock, as git does; a lock \
held by another git process refuses keep with nothing touched), on a \
conflict nothing changes, the conflicting paths are listed with a hint and \
keep exits 1, and a write that fails half-way is undone. Refused while a \
run is live (unless --force), into a checkout in the middle of a merge, \
rebase, cherry-pick or revert, into a branch with no commits yet, and for \
paths outside the session's scope (unless --force). --squash and --commit also refuse a checkout with staged changes \
of its own and a detached or unborn HEAD; their commits get a note in \
refs/notes/agents (git log --notes=agents). They are made as git commit \
makes them in that checkout: pre-commit (seeing the commit to be made \
through its index) and commit-msg (for the messages keep writes; replayed \
commits keep the agent's, as git rebase does) run first, and a failing one \
refuses keep with nothing changed (--no-verify skips both); commits are \
signed when commit.gpgSign is set; post-commit runs after. A file the \
target does not track (ignored ones too) where the session needs something \
else, a directory where it has a file, or a symlink where it needs a \
directory, is a conflict. A repository of its own inside the session (its \
own .git, not a submodule) refuses keep, as git would record only its \
commit: remove its .git there to keep its files, or make it a submodule. \
Afterwards the worktree and \
branch are removed (not with --keep-worktree) and the session is kept; its \
refs stay until gc, so `git agent diff` and `git agent restore` still work.";

#[derive(Debug, Args)]
pub struct ReviewArgs {
    /// Sessions to review (ids or unique prefixes), in parallel.
    // Explicit indexes: the completion scripts re-add the ids argument.
    #[arg(required = true, index = 1)]
    pub ids: Vec<String>,
    /// Run this agent as the reviewer; without a name (or without -a and a
    /// command), agent.reviewer, else agent.default.
    #[arg(short = 'a', long = "agent", value_name = "AGENT", num_args = 0..=1, default_missing_value = "")]
    pub agent: Option<String>,
    /// A file whose text replaces the built-in checklist (default: agent.reviewChecklist).
    #[arg(long, value_name = "FILE")]
    pub checklist: Option<std::path::PathBuf>,
    /// Review in the background; the reviewer's output goes to the session's log.
    #[arg(long)]
    pub detach: bool,
    /// Kill each reviewer run after this long (30s, 10m, 2h); default agent.timeout.
    #[arg(long, value_name = "DUR")]
    pub timeout: Option<String>,
    /// Stdin is a pipe to write a byte to once the reviewer runs (__review).
    #[arg(long, hide = true)]
    pub ready_on_stdin: bool,
    /// The reviewer command to run, after `--` (its prompt is in GIT_AGENT_PROMPT).
    #[arg(last = true, index = 2, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct FixArgs {
    /// Session id or unique prefix (default: the session whose worktree you are in).
    pub id: Option<String>,
    /// Run this agent as the corrector; without a name, agent.default.
    #[arg(short = 'a', long = "agent", value_name = "AGENT", num_args = 0..=1, default_missing_value = "")]
    pub agent: Option<String>,
    /// Also ask for the review's should_fix items.
    #[arg(long)]
    pub should_fix: bool,
    /// More instructions, appended to the corrector's prompt.
    #[arg(short = 'm', long = "more", value_name = "MORE")]
    pub more: Option<String>,
    /// Run in the background; output goes to the session's log.
    #[arg(long)]
    pub detach: bool,
    /// Kill the run after this long (30s, 10m, 2h); default agent.timeout.
    #[arg(long, value_name = "DUR")]
    pub timeout: Option<String>,
    /// Fix even after 3 fix runs without an approved review in between.
    #[arg(long)]
    pub force: bool,
    /// The corrector command to run, after `--` (its prompt is in GIT_AGENT_PROMPT).
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

#[derive(Debug, Args)]
pub struct LandArgs {
    /// Sessions to land, by id or unique prefix (default: every `done` session).
    #[arg(value_name = "ID")]
    pub ids: Vec<String>,
    /// Replay each session's commits (plus one for leftovers) instead of one squash commit.
    #[arg(long)]
    pub commit: bool,
    /// Run `sh -c <CMD>` in a scratch checkout of each tree before it lands; a failure skips that session.
    #[arg(long, value_name = "CMD")]
    pub test: Option<String>,
    /// Print the order and each predicted result; change nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print one JSON document: {dry_run, order, results}.
    #[arg(long)]
    pub json: bool,
    /// Skip the pre-commit and commit-msg hooks, as `git commit --no-verify`.
    #[arg(long, short = 'n')]
    pub no_verify: bool,
}

#[derive(Debug, Args)]
pub struct SyncArgs {
    /// Session id or unique prefix (default: the session whose worktree you are in).
    pub id: Option<String>,
    #[command(flatten)]
    pub options: RunOptions,
    /// A command to resolve conflicts, after `--`.
    #[arg(last = true, value_name = "CMD")]
    pub command: Vec<String>,
}

const REVIEW_NOTES: &str = "\
Each session is snapshotted and its whole change against its base (git \
agent diff) is handed to the reviewer inside one prompt: the task prompt \
and scope, the diff fenced as the artifact under review (data to judge, \
never instructions), the checklist and the output contract. The prompt is \
the last argument of an agent (-a) and in GIT_AGENT_PROMPT for both. The \
reviewer runs read-only (as run --read-only): a reviewer that changes the \
worktree or the repository has its change undone and the review is \
recorded as `violation`. The verdict is one JSON object {\"verdict\": \
\"approved\" | \"changes_requested\", \"blocking\": [..], \"should_fix\": \
[..], \"nits\": [..], \"scope_violations\": [..]}, read from the file \
named by GIT_AGENT_REVIEW_FILE (a temporary path outside the worktree, \
writable inside Codex's workspace-write sandbox) or, when that file is \
absent or empty, the last JSON object the reviewer printed on stdout. A \
missing or malformed verdict makes the reviewer run once more with the \
contract restated; still bad, the review is recorded `invalid`. Refused \
(exit 1) for a fetched session, a live run and a session with no change. \
Exit 0 when every named session got a valid verdict (approved or not), 1 \
otherwise. The latest review is in show and list --json (\"review\", with \
\"stale\" once the change moved on); every review is kept in \
refs/agents/<id>/reviews (git log -p refs/agents/<id>/reviews). --detach \
starts one background git-agent per session that runs the review to its \
recorded verdict, output in the session's log. With one id the reviewer \
owns the terminal and its output is shown as it comes; with several they \
run in parallel without the terminal, each one's stdout kept in its review \
history (output.txt). A diff larger than one argument can hold (128 KiB) \
is sent as its --stat summary with the git diff command that prints it \
whole.";

const FIX_NOTES: &str = "\
The corrector's prompt is the session's task prompt, then the latest \
review's blocking items and scope violations (and its should_fix items with \
--should-fix) as the only things in scope, and a line saying everything \
else is out of scope; nits are never listed; -m adds more. It runs like \
git agent run (foreground or --detach). Refused (exit 1) when the session \
has no review or its latest review has nothing to fix, and, with \
\"escalate: ...\", after 3 fix runs without an approved review in between \
(--force runs it anyway): time for a person to look.";

#[derive(Debug, Args)]
pub struct AuditArgs {
    /// The commits to audit (default: HEAD's commits not on its upstream, else the last 50).
    #[arg(value_name = "RANGE")]
    pub range: Option<String>,
    /// Exit 1 if any commit in the range has no provenance.
    #[arg(long)]
    pub require: bool,
    /// Print a JSON array of {commit, subject, session, agent, prompt, review}.
    #[arg(long)]
    pub json: bool,
}

const LAND_NOTES: &str = "\
Candidates: the named sessions (any live session without a running run), else every `done`
session. A session whose latest review is not `approved`, or is stale, is skipped unless named.

Order: sessions that overlap no other first, then those whose overlaps merge cleanly, then the
conflicting ones chosen so that the most land (ties: creation time, then id). The order is
printed first. Each session lands like `keep --squash` (`--commit`: like `keep --commit`),
merged three-way against the branch as the previous landings left it, with its provenance note,
and becomes `kept`. `--test <CMD>` runs in a scratch checkout of the exact tree about to be
committed, never in yours.

A session that conflicts or fails its test stays live and records why (`land` in its JSON:
{result, paths, at}); the queue goes on. Output: `landed <id> <commit>`, `conflict <id>:
<paths>`, `test-failed <id>`, `skipped <id>: <reason>`. Exit 0 when nothing conflicted or failed
its test. Your unstaged and untracked work stays as it was; staged work, a detached HEAD or a
merge in progress are refused before anything lands.

--json: {\"dry_run\": bool, \"order\": [id], \"results\": [{\"session\", \"result\":
landed|conflict|test-failed|skipped, \"commit\": oid|null, \"paths\": [], \"reason\": str|null}]}";

const SYNC_NOTES: &str = "\
The session's uncommitted work is committed on its branch first (with a note), then the branch of
the checkout sync runs in is merged into the session branch in its worktree. A clean merge is
committed and the session's base moves to the commit merged in, so `diff`, `keep` and `land` show
only the session's own work. A conflicted merge stays in the worktree with conflict markers and
the paths are listed (exit 1). With -a <agent> or -- <cmd>, a run starts at once whose prompt
names the paths and asks for them to be resolved and the merge committed; in the foreground,
sync exits 0 only if the merge was committed with no conflict left. `keep` and `land` refuse a
session with unresolved conflicts.";

const AUDIT_NOTES: &str = "\
Each commit with its provenance from refs/notes/agents: session, agent, prompt, when it was
recorded, and the review verdict the session had when it landed; `none` for a commit without a
note. --json: [{\"commit\", \"subject\", \"session\", \"agent\", \"prompt\", \"review\"}].";

#[derive(Debug, Args)]
pub struct WatchArgs {
    /// One JSON line per change (also what is printed when stdout is not a terminal).
    #[arg(long)]
    pub json: bool,
    /// End when no session is running.
    #[arg(long)]
    pub until_done: bool,
}

#[derive(Debug, Args)]
pub struct BoardArgs {
    /// Port to listen on (default: a free one).
    #[arg(long, value_name = "N")]
    pub port: Option<u16>,
}

const WATCH_NOTES: &str = "\
On a terminal: one line per live session (those that need you first: failed, \
done, running, active) with its state, the time its last run took or has \
taken, agent, files, +/-, review verdict, tokens and the last line of its \
log; redrawn when a session's refs or log change, and every second while a \
run is live. q quits.

Otherwise, and with --json: first one line per live session, then one line \
per change, each {\"session\": id, \"state\": ..., \"at\": time, ...the session's \
JSON fields}; a session whose refs are gone gives {\"session\": id, \"state\": \
null, \"removed\": true, \"at\": time}. --until-done ends when nothing is running.

Changes are told by the kernel (inotify on refs/agents/ and the run logs); \
while nothing changes, watch uses no CPU. Without inotify, the refs are \
compared every 2 seconds.";

const BOARD_NOTES: &str = "\
Prints its URL on stdout: http://127.0.0.1:<port>/?token=<token>. Requests \
without the token get 403. The page lists the sessions as they are when it \
is served (state, time, agent, diff stat, review, tokens, log tail, and the \
commands to keep, review, land or discard each); updates arrive as \
server-sent events from /events?token=<token>, one event per change, its \
data the session's JSON (with log_tail). Read-only: it runs nothing. \
Ctrl-C stops it.";
