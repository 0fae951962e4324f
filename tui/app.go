package tui

import (
	"context"
	"fmt"
	"strings"
	"time"

	tea "charm.land/bubbletea/v2"

	"github.com/berthdev/berth/engine"
)

// The top-level tabs.
const (
	tabContainers = iota
	tabImages
	tabVolumes
	tabNetworks
)

var tabNames = []string{"1 Containers", "2 Images", "3 Volumes", "4 Networks"}

// App is the workbench: the tab bar, the panel of the current tab (or a
// container's detail tabs), the command log and the status bar.
type App struct {
	eng        Engine
	c          *Common
	pc         *Common // the panels': narrower while a lesson pane is at the side
	tab        int
	containers *containersPanel
	images     *imagesPanel
	volumes    *resourcePanel
	runForm    *runForm   // open over the images tab
	pull       *pullView  // open over the images tab
	tag        *tagForm   // open over the images tab
	build      *buildView // open over the images tab
	pickImage  string     // the image ID the list selects when it has it
	networks   *resourcePanel
	layers     layersState // the Layers view, over the images tab
	detail     *detailPanel
	inDetail   bool
	cmdlog     cmdLog
	overlays   overlays    // prompts, the key help and pickers, above the panels
	object     *objectView // an image's, volume's or network's inspect page
	status     string
	statusKind int // statusInfo, statusErr, statusBusy
	events     chan engine.Event
	ctx        context.Context
	cancel     context.CancelFunc
	start      time.Time
	usageOn    bool      // the sampler watches some containers
	statsOn    bool      // the Stats tab's sampler watches one
	usageIDs   []string  // what the list last sampled
	usageAt    time.Time // and when
	lessons    lessonsState
	berth      []string   // the berth binary and --root, for `:`
	messages   messageLog // `!`: every status message in full
	config     string     // where the column choice is saved, "" for nowhere
	configW    configWriter
	evlog      eventLog // `E`: the engine's events, live
}

// Options change how New builds the workbench.
type Options struct {
	// NoColor drops colours (NO_COLOR); bold, reverse and faint remain.
	NoColor bool
	// KeyMap replaces DefaultKeyMap.
	KeyMap *KeyMap
	// Now is the clock relative times are rendered with; time.Now by default.
	Now func() time.Time
	// HideCommandLog starts with the command log pane closed.
	HideCommandLog bool
	// Berth is how `:` runs a berth command: the berth binary and the
	// flags that point it at the same store (os.Executable, --root).
	// Empty: `:` says it cannot.
	Berth []string
	// LessonProgress is the file the lessons pane remembers each lesson's
	// step in (tutorials.ProgressPath); "" remembers it until quit only.
	LessonProgress string
	// Config is the config file the workbench writes its choices to (the
	// column chooser's), ConfigPath; "" keeps them until quit only.
	Config string
	// HiddenColumns are the container list's columns shown off at start
	// (Settings.HiddenColumns, as LoadSettings checked them).
	HiddenColumns []string
}

// New builds the workbench over e.
func New(e Engine, o Options) *App {
	c := &Common{Styles: DefaultStyles(o.NoColor), KeyMap: o.KeyMap, Now: o.Now}
	if c.KeyMap == nil {
		c.KeyMap = DefaultKeyMap()
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	ctx, cancel := context.WithCancel(context.Background())
	pc := *c
	containers := newContainersPanel(&pc)
	containers.hide(o.HiddenColumns)
	return &App{
		eng: e, c: c, pc: &pc, ctx: ctx, cancel: cancel, start: c.Now(),
		containers: containers, images: newImagesPanel(&pc), detail: newDetailPanel(&pc),
		volumes: newResourcePanel(&pc, "volume"), networks: newResourcePanel(&pc, "network"),
		cmdlog: cmdLog{shown: !o.HideCommandLog}, events: make(chan engine.Event, 64),
		lessons: newLessonsState(o.LessonProgress), berth: o.Berth, config: o.Config,
	}
}

func (a *App) Init() tea.Cmd {
	return tea.Batch(
		followEvents(a.ctx, a.eng, a.start.Add(-2*time.Second), a.events), nextEvent(a.events),
		listContainers(a.eng), listImages(a.eng), tick(),
	)
}

// Close stops the event and log streams.
func (a *App) Close() {
	a.cancel()
	a.detail.close()
	if l := a.overlays.commandLine(); l != nil {
		l.stop()
	}
}

func (a *App) setSize(w, h int) {
	a.c.Width, a.c.Height = w, h
	body := a.bodyHeight()
	w -= a.lessonSide()
	a.pc.Width, a.pc.Height = w, body
	a.containers.SetSize(w, body)
	a.images.SetSize(w, body)
	a.volumes.SetSize(w, body)
	a.networks.SetSize(w, body)
	a.detail.SetSize(w, body)
	if a.layers.open != nil {
		a.layers.open.SetSize(w, body)
	}
	a.overlays.setSize(a.c.Width, a.c.Height-2)
}

// bodyHeight is the panels' height: the screen less the tab and status
// bars, the command log and a lesson pane below.
func (a *App) bodyHeight() int {
	return max(a.c.Height-2-a.cmdlog.height(a.c.Height)-a.lessonRows(), 1)
}

// What the status bar's message is.
const (
	statusInfo = iota
	statusErr
	statusBusy
)

func (a *App) setStatus(msg string, isErr bool) {
	a.status, a.statusKind = msg, statusInfo
	if isErr {
		a.statusKind = statusErr
	}
	if msg != "cancelled" {
		a.messages.add(a.c.Now(), msg, isErr)
	}
}

func (a *App) Update(msg tea.Msg) (tea.Model, tea.Cmd) {
	switch msg := msg.(type) {
	case tea.WindowSizeMsg:
		a.setSize(msg.Width, msg.Height)
	case tea.KeyPressMsg:
		cmd := a.key(msg)
		return a, tea.Batch(cmd, a.lessonNoticed())
	case tea.PasteMsg:
		return a, a.paste(msg)
	case tea.MouseClickMsg, tea.MouseWheelMsg:
		cmd := a.mouse(msg.(tea.MouseMsg).Mouse())
		return a, tea.Batch(cmd, a.lessonNoticed())
	case tickMsg:
		return a, tea.Batch(tick(), a.sampleUsage(), a.refreshStats())
	case usageMsg:
		a.containers.usage = msg.by
	case containersMsg:
		if msg.err != nil {
			a.setStatus("listing containers: "+oneLine(msg.err)+" (q quits)", true)
		}
		a.containers.Update(msg)
		return a, a.sampleUsage()
	case containerMsg:
		if msg.err != nil {
			a.setStatus(oneLine(msg.err), true)
		}
		a.containers.Update(msg)
		a.detail.Update(msg)
	case eventMsg:
		a.evlog.add(msg.ev)
		return a, tea.Batch(a.event(msg.ev), nextEvent(a.events), a.lessonRecheck())
	case eventsEndedMsg:
		a.setStatus("the list stopped following engine events: "+oneLine(msg.err), true)
	case imagesMsg:
		if msg.err != nil {
			a.setStatus("listing images: "+oneLine(msg.err), true)
		}
		a.images.Update(msg)
		if a.pickImage != "" && a.images.pick(a.pickImage) {
			a.pickImage = ""
		}
	case historyMsg:
		a.images.Update(msg)
	case layersMsg:
		return a, a.layersUpdate(msg)
	case actionMsg:
		if msg.err != nil {
			a.setStatus(oneLine(msg.err), true)
			a.cmdlog.fail(msg.line, "failed on "+msg.ref)
		} else {
			a.setStatus(pastTense(msg.verb)+" "+msg.ref, false)
		}
	case sessionMsg:
		if msg.err != nil {
			a.setStatus(oneLine(msg.err), true)
		} else {
			a.setStatus("back from "+msg.verb+" in "+msg.ref, false)
		}
	case runMsg:
		return a, a.ran(msg)
	case pullMsg:
		return a, a.pulled(msg)
	case taggedMsg:
		return a, a.tagged(msg)
	case buildMsg:
		return a, a.builtMsg(msg)
	case resourcesMsg:
		if msg.err != nil {
			a.setStatus("listing "+msg.kind+"s: "+oneLine(msg.err), true)
		}
		a.volumes.Update(msg)
		a.networks.Update(msg)
	case objectMsg:
		a.objectLoaded(msg)
	case objectActMsg:
		return a, a.objectActed(msg)
	case resourceActMsg:
		line := equivalent(msg.kind+" "+msg.verb, msg.name).Berth
		if msg.err != nil {
			a.setStatus(oneLine(msg.err), true)
			a.cmdlog.fail(line, "failed on "+msg.name)
		} else {
			a.setStatus(map[string]string{"create": "created ", "rm": "removed "}[msg.verb]+msg.kind+" "+msg.name, false)
		}
		return a, tea.Batch(loadResources(a.eng, msg.kind), a.lessonRecheck())
	case cmdOutMsg:
		if l := a.overlays.commandLine(); l != nil {
			return a, l.Update(msg)
		}
	case lessonProgressMsg, lessonChecksMsg, lessonSavedMsg:
		return a, a.lessonsUpdate(msg)
	case columnsSavedMsg:
		if msg.err != nil {
			a.setStatus("saving the column choice: "+oneLine(msg.err), true)
		}
	case savedMsg:
		if msg.err != nil {
			a.setStatus("saving logs: "+oneLine(msg.err), true)
		} else {
			a.setStatus("logs saved to "+msg.path, false)
		}
	default:
		return a, a.detail.Update(msg)
	}
	return a, nil
}

// event applies one engine event: only the container it names is re-read.
func (a *App) event(ev engine.Event) tea.Cmd {
	switch ev.Type {
	case "container":
		if ev.Actor.ID == "" {
			return nil
		}
		if ev.Action == "destroy" {
			if a.inDetail && a.detail.ctr.ID == ev.Actor.ID {
				a.closeDetail()
			}
			return func() tea.Msg { return containerMsg{id: ev.Actor.ID, gone: true} }
		}
		return refreshContainer(a.eng, ev.Actor.ID)
	case "image":
		return listImages(a.eng)
	}
	return nil
}

func (a *App) closeDetail() {
	a.inDetail = false
	a.detail.close()
}

func pastTense(verb string) string {
	switch verb {
	case "start", "restart":
		return verb + "ed"
	case "pause", "unpause":
		return verb + "d"
	case "stop":
		return "stopped"
	case "kill":
		return "killed"
	case "rm", "rm -f":
		return "removed"
	}
	return verb
}

func (a *App) View() tea.View {
	v := tea.NewView(a.render())
	v.AltScreen = true
	v.MouseMode = tea.MouseModeCellMotion
	v.WindowTitle = "berth"
	return v
}

// render is the whole screen, exactly Width×Height cells.
func (a *App) render() string {
	if a.c.Width == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString(a.tabBar() + "\n")
	if o := a.overlays.at(placeScreen); o != nil {
		b.WriteString(o.View())
		b.WriteString("\n" + a.statusBar())
		return b.String()
	}
	b.WriteString(a.withLesson(a.panelView()))
	if h := a.cmdlog.height(a.c.Height); h > 0 {
		b.WriteString("\n" + a.cmdlog.view(a.c, h))
	}
	b.WriteString("\n" + a.statusBar())
	return b.String()
}

// panelView is the panel in front, a.pc.Width wide.
func (a *App) panelView() string {
	if o := a.overlays.at(placePanel); o != nil {
		return o.View()
	}
	switch {
	case a.inDetail:
		return a.detail.View()
	case a.object != nil:
		return a.objectPageView()
	case a.layersShown():
		return a.layers.open.view()
	case a.tab == tabImages && a.runForm != nil:
		return a.runForm.view(a.pc, a.bodyHeight())
	case a.tab == tabImages && a.pull != nil:
		return a.pull.view(a.pc, a.bodyHeight())
	case a.tab == tabImages && a.tag != nil:
		return a.tag.view(a.pc, a.bodyHeight())
	case a.tab == tabImages && a.build != nil:
		return a.build.view(a.pc, a.bodyHeight())
	case a.tab == tabImages:
		return a.images.View()
	case a.tab == tabVolumes:
		return a.volumes.View()
	case a.tab == tabNetworks:
		return a.networks.View()
	}
	return a.containers.View()
}

func (a *App) tabBar() string {
	s := a.c.Styles
	left := s.Title.Render("berth") + " "
	for i, t := range tabNames {
		if i == a.tab && !a.inDetail {
			left += " " + s.TabActive.Render(t)
		} else {
			left += " " + s.TabInactive.Render(t)
		}
	}
	right := a.containers.counts()
	gap := a.c.Width - lipglossWidth(left) - lipglossWidth(right)
	if gap < 1 {
		return cell(left, a.c.Width)
	}
	return left + strings.Repeat(" ", gap) + s.Dim.Render(right)
}

func (a *App) statusBar() string {
	s := a.c.Styles
	if q := a.overlays.prompt(); q != nil {
		return q.View()
	}
	if a.status != "" {
		switch a.statusKind {
		case statusErr:
			return cell(s.Error.Render("✗ "+a.status), a.c.Width)
		case statusBusy:
			return cell(s.StatusBar.Render("… "+a.status), a.c.Width)
		}
		return cell(s.Info.Render("✓ "+a.status), a.c.Width)
	}
	// Whole hints only, as many as fit: the first keys matter most.
	var hints []string
	w := 0
	for _, k := range a.shortHelp() {
		h := k.Help()
		hint := s.Key.Render(h.Key) + " " + s.StatusBar.Render(h.Desc)
		if w += lipglossWidth(hint) + 2; w-2 > a.c.Width {
			break
		}
		hints = append(hints, hint)
	}
	return cell(strings.Join(hints, "  "), a.c.Width)
}

// act runs verb on the targets and logs the equivalent command.
func (a *App) act(verb string, targets []engine.ContainerSummary) tea.Cmd {
	if len(targets) == 0 {
		return nil
	}
	var names []string
	for _, t := range targets {
		names = append(names, name(t))
	}
	line := equivalent(verb, names...)
	var cmds []tea.Cmd
	for _, n := range names {
		cmds = append(cmds, act(a.eng, verb, n, line.Berth))
	}
	a.cmdlog.add(line)
	what := strings.Join(names, " ")
	if len(names) > 3 {
		what = fmt.Sprintf("%d containers", len(names))
	}
	a.status, a.statusKind = verb+" "+what, statusBusy
	a.containers.clearMarks()
	return tea.Batch(cmds...)
}
