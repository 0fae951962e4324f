package tui

import (
	"strings"

	"charm.land/bubbles/v2/key"
	tea "charm.land/bubbletea/v2"
)

// tagForm is `berth tag SRC DST` on the Images tab: one field, the new
// name; enter tags through the engine, and the list then selects the
// image under its new name too.
type tagForm struct {
	src  string
	form smallForm
}

func newTagForm(src string) *tagForm {
	return &tagForm{src: src, form: smallForm{title: "tag " + src, fields: []formField{
		{label: "new name", hint: "[REGISTRY/]NAME[:TAG], e.g. 127.0.0.1:5000/busybox:v1"},
	}}}
}

// command is the berth line the form says.
func (f *tagForm) command() cmdLine {
	dst := f.form.text(0)
	if dst == "" {
		dst = "TARGET_IMAGE[:TAG]"
	} else {
		dst = shellQuote(dst)
	}
	return cmdLine{Berth: "berth tag " + shellQuote(f.src) + " " + dst}
}

func (f *tagForm) view(c *Common, height int) string {
	return f.form.view(c, height, f.command().Berth)
}

// taggedMsg is how a tag ended.
type taggedMsg struct {
	src, dst, line string
	err            error
}

// tagKey handles a key while the tag form is in front.
func (a *App) tagKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	f := a.tag
	submit, cancel := f.form.key(a.c.KeyMap, k)
	switch {
	case cancel:
		a.tag = nil
	case submit && f.form.text(0) == "":
		f.form.err = "give the new name"
	case submit:
		c := f.command()
		a.cmdlog.add(c)
		a.tag = nil
		src, dst, eng := f.src, f.form.text(0), a.eng
		a.status, a.statusKind = "tagging "+src+" as "+dst+"…", statusBusy
		return func() tea.Msg { return taggedMsg{src, dst, c.Berth, eng.Tag(src, dst)} }, true
	}
	return nil, true
}

// tagged reports a tag's end and reloads the list.
func (a *App) tagged(m taggedMsg) tea.Cmd {
	if m.err != nil {
		a.setStatus(oneLine(m.err), true)
		a.cmdlog.fail(m.line, "failed")
		return nil
	}
	a.setStatus("tagged "+m.src+" as "+m.dst, false)
	a.pickImage = m.dst // the new row, for P to push
	if i := strings.LastIndex(m.dst, ":"); i < 0 || strings.Contains(m.dst[i:], "/") {
		a.pickImage += ":latest"
	}
	return listImages(a.eng)
}

// imageJobKey opens the pull, push, tag and build forms (p, P, T, B on
// the images list) and hands keys to the one in front; it reports
// whether it took the key.
func (a *App) imageJobKey(k tea.KeyPressMsg) (tea.Cmd, bool) {
	if a.tab != tabImages || a.inDetail || a.overlays.covering() {
		return nil, false
	}
	km := a.c.KeyMap
	switch {
	case a.pull != nil:
		return a.pullKey(k)
	case a.tag != nil:
		return a.tagKey(k)
	case a.build != nil:
		return a.buildKey(k)
	case a.images.history != nil:
		return nil, false
	case key.Matches(k, km.Pull):
		a.pull = newPullView()
		return nil, true
	case key.Matches(k, km.Push):
		if im, ok := a.images.selected(); ok {
			a.pull = newPushView(imageRef(im))
		}
		return nil, true
	case key.Matches(k, km.Tag):
		if im, ok := a.images.selected(); ok {
			a.tag = newTagForm(imageRef(im))
		}
		return nil, true
	case key.Matches(k, km.Build):
		a.build = newBuildView()
		return nil, true
	}
	return nil, false
}
