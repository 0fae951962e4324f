// Package tui is berth's terminal workbench (Bubble Tea), what `berth` with
// no arguments opens on a terminal.
//
// # What it owns
//
//	App            routing: the tab bar, the panel in front (focus.go),
//	               the overlay stack, global keys, the command log, the
//	               status bar (the focused component's ShortHelp), mouse
//	overlays       above the panels, the newest gets the keys (overlay.go):
//	               confirmPrompt (a yes/no question in the status bar),
//	               keyHelp (`?`), columnChooser (v: the container list's
//	               columns, saved to the config file, columns.go)
//	containersPanel  the live container list: filter (/), sort (o, O), show
//	               stopped (a), marks for bulk actions (space, ctrl+a);
//	               virtualised, only visible rows are rendered; CPU % and
//	               MEM of the visible running rows (usage.go: the engine's
//	               Sampler watches exactly those), PORTS
//	imagesPanel    images, a row per tag as docker's, and an image's
//	               history (its layers) on enter;
//	               R opens runForm (`berth run` with the common flags)
//	pullView       p: a pull form, P: a push form (the selected image),
//	               then each layer's progress (pull.go)
//	tagForm        T: the selected image's new name, `berth tag` (tag.go)
//	buildView      B: a build form, then its steps and RUN output in a
//	               virtualised pane (buildview.go); both run as a job
//	               (job.go): the engine call in a goroutine, its progress
//	               handed to Update in batches at most 10 a second, esc
//	               cancelling its context
//	layersView     l on an image: `berth layers` as a dive-like explorer
//	               (layers*.go): the layers, the file tree after one (its
//	               changes or the aggregate), kinds hidden, a filter, the
//	               efficiency, a file's diff between layers; trees built
//	               in the engine call's command and cached per (image,
//	               layer, mode), only the visible rows rendered
//	resourcePanel  the Volumes and Networks tabs: list, create (n), remove (D)
//	detailPanel    one container's tabs: Logs (logsPanel: follow, search,
//	               timestamps, save), Inspect, Diff, Processes, Namespaces,
//	               Stats (block graphs from the sampler's ring, stats.go),
//	               Crash (the crash report) — a pagePanel each
//	session        exec of a shell, attach, and debug (b: a shell in a
//	               committed copy of an exited container) on the real
//	               terminal, through tea.Exec: raw mode, resize, ctrl-p
//	               ctrl-q, and back
//	config.go      keys rebound from ~/.config/berth/config.json
//	               ({"keys": {"stop": ["x"]}}) and the workbench's own
//	               choices ({"workbench": {"hiddenColumns": [...]}}),
//	               LoadSettings
//	cmdLog         the `berth ...` line (and docker's where it differs)
//	               equivalent to each action, for learners to repeat
//	lessonsState   L: the tutorials package's lessons (lessons*.go): a
//	               picker, then a pane (at the side from 120 columns, below
//	               the panel under it, Z zooms) with the step's text,
//	               commands and checks, re-checked in a command on engine
//	               events and when a view is opened (never on a timer);
//	               [ ] between steps; progress in tutorials.ProgressPath.
//	               The panels get their own Common (pc), narrower while
//	               the pane is at the side
//
// Each view and form keeps the component contract (component.go):
// Init/Update/View, SetSize and bubbles' help.KeyMap (ShortHelp, FullHelp),
// over a *Common (size, Styles from DefaultStyles, KeyMap from
// DefaultKeyMap) passed in. Keys are matched with key.Matches against the
// KeyMap only; TestNoKeyLiterals fails on a key spelt anywhere else.
//
// # Lifecycle
//
// New builds the App over an Engine, the narrow interface of engine.go
// (FromEngine adapts *engine.Engine; tests use a fake of exactly it). Init
// lists containers and images once and starts following engine events
// (Events with Follow) into a channel; a command reads one event at a time
// and Update re-arms it (the re-arm pattern). An event re-reads only the
// container it names; uptimes are rendered from times, refreshed by a 1 s
// tick. Update does no I/O: every engine call is a tea.Cmd that returns a
// named message (msgs.go). A container's log streams the same way, in
// batches. Close (on quit) cancels the event and log streams.
//
// NO_COLOR drops colours; selection and marks stay readable (reverse, *).
package tui
