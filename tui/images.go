package tui

import (
	"slices"
	"strings"

	"charm.land/bubbles/v2/key"

	tea "charm.land/bubbletea/v2"
	units "github.com/docker/go-units"

	"github.com/berthdev/berth/engine"
)

// imagesPanel lists the images; enter shows an image's history, the layers
// and the command that made each.
type imagesPanel struct {
	c       *Common
	height  int
	list    []engine.ImageSummary
	win     window
	loaded  bool
	history *historyView // non-nil while an image's history is open
}

type historyView struct {
	ref  string
	rows []engine.ImageHistory
	win  window
	err  error
}

func newImagesPanel(c *Common) *imagesPanel { return &imagesPanel{c: c} }

func (p *imagesPanel) Init() tea.Cmd { return nil }

func (p *imagesPanel) SetSize(w, h int) {
	p.height = h
	p.win.Height = max(h-1, 1)
	p.win.clamp(len(p.list))
	if p.history != nil {
		p.history.win.Height = max(h-2, 1)
		p.history.win.clamp(len(p.history.rows))
	}
}

func (p *imagesPanel) selected() (engine.ImageSummary, bool) {
	if p.win.Cursor < len(p.list) {
		return p.list[p.win.Cursor], true
	}
	return engine.ImageSummary{}, false
}

// perTag is the list as `docker images` shows it: a row for each tag of
// an image (the row's tag first in its RepoTags), one for an untagged one.
func perTag(list []engine.ImageSummary) []engine.ImageSummary {
	out := make([]engine.ImageSummary, 0, len(list))
	for _, im := range list {
		if len(im.RepoTags) < 2 {
			out = append(out, im)
			continue
		}
		for i, t := range im.RepoTags {
			row := im
			row.RepoTags = append([]string{t}, slices.Delete(slices.Clone(im.RepoTags), i, i+1)...)
			out = append(out, row)
		}
	}
	return out
}

// ref is how the CLI would name the selected image.
func imageRef(im engine.ImageSummary) string {
	if len(im.RepoTags) > 0 {
		return im.RepoTags[0]
	}
	return shortID(im.ID)
}

func shortID(id string) string {
	id = strings.TrimPrefix(id, "sha256:")
	return id[:min(12, len(id))]
}

func (p *imagesPanel) Update(msg tea.Msg) tea.Cmd {
	switch msg := msg.(type) {
	case imagesMsg:
		if msg.err == nil {
			p.list, p.loaded = perTag(msg.list), true
			p.win.clamp(len(p.list))
		}
	case historyMsg:
		if p.history != nil && p.history.ref == msg.ref {
			p.history.rows, p.history.err = msg.rows, msg.err
			p.SetSize(p.c.Width, p.height)
		}
	case tea.KeyPressMsg:
		p.key(msg)
	}
	return nil
}

func (p *imagesPanel) key(k tea.KeyPressMsg) {
	km := p.c.KeyMap
	if h := p.history; h != nil {
		if key.Matches(k, km.Back) {
			p.history = nil
			return
		}
		h.win.move(km, k, len(h.rows))
		return
	}
	p.win.move(km, k, len(p.list))
}

// open shows the history of the selected image; the caller runs the
// returned command's engine call.
func (p *imagesPanel) open() (string, bool) {
	im, ok := p.selected()
	if !ok {
		return "", false
	}
	p.history = &historyView{ref: imageRef(im)}
	p.SetSize(p.c.Width, p.height)
	return p.history.ref, true
}

var imageColumns = []column{
	{Title: "REPOSITORY", Flex: 3, Min: 10},
	{Title: "TAG", Flex: 1, Min: 6},
	{Title: "IMAGE ID", Width: 12},
	{Title: "CREATED", Width: 16},
	{Title: "SIZE", Width: 9},
	{Title: "DIGEST", Flex: 3, Min: 24, Drop: 1},
}

var historyColumns = []column{
	{Title: "CREATED", Width: 16},
	{Title: "SIZE", Width: 9},
	{Title: "CREATED BY", Flex: 4, Min: 10},
	{Title: "COMMENT", Flex: 1, Min: 16, Drop: 1},
}

func (p *imagesPanel) View() string {
	if p.history != nil {
		return p.historyView()
	}
	s := p.c.Styles
	widths := layout(imageColumns, p.c.Width)
	head := make([]string, len(imageColumns))
	for i, col := range imageColumns {
		head[i] = col.Title
	}
	lines := []string{s.Header.Render(joinCells(head, widths))}
	if len(p.list) == 0 {
		msg := "no images: `berth bootstrap` makes busybox:latest"
		if !p.loaded {
			msg = "loading…"
		}
		lines = append(lines, s.Dim.Render(msg))
	}
	now := p.c.Now()
	from, to := p.win.visible(len(p.list))
	for i := from; i < to; i++ {
		im := p.list[i]
		repo, tag := "<none>", "<none>"
		if len(im.RepoTags) > 0 {
			repo, tag = splitTag(im.RepoTags[0])
		}
		digest := ""
		if len(im.RepoDigests) > 0 {
			_, digest, _ = strings.Cut(im.RepoDigests[0], "@")
		}
		line := joinCells([]string{repo, tag, shortID(im.ID), ago(im.Created, now), units.HumanSizeWithPrecision(float64(im.Size), 3), digest}, widths)
		if i == p.win.Cursor {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	return pad(lines, p.height)
}

func (p *imagesPanel) historyView() string {
	s, h := p.c.Styles, p.history
	widths := layout(historyColumns, p.c.Width)
	lines := []string{s.Title.Render(h.ref) + s.Dim.Render(" · history, newest layer first · esc back")}
	lines = append(lines, s.Header.Render(joinCells([]string{"CREATED", "SIZE", "CREATED BY", "COMMENT"}, widths)))
	if h.err != nil {
		lines = append(lines, s.Error.Render(oneLine(h.err)))
	}
	now := p.c.Now()
	from, to := h.win.visible(len(h.rows))
	for i := from; i < to; i++ {
		r := h.rows[i]
		line := joinCells([]string{ago(r.Created, now), units.HumanSizeWithPrecision(float64(r.Size), 3), r.CreatedBy, r.Comment}, widths)
		if i == h.win.Cursor {
			line = s.Cursor.Render(line)
		}
		lines = append(lines, line)
	}
	return pad(lines, p.height)
}

// splitTag splits "repo:tag" (the repository may hold a registry port).
func splitTag(ref string) (string, string) {
	i := strings.LastIndex(ref, ":")
	if i < 0 || strings.Contains(ref[i:], "/") {
		return ref, "latest"
	}
	return ref[:i], ref[i+1:]
}
