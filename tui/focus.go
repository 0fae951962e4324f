package tui

// focus is what is in front and gets the keys, the paste and the status
// bar's hint: one order of precedence for paste, typing, shortHelp and
// panelView, instead of a copy of it in each.
type focus int

const (
	focusPrompt  focus = iota // an overlay: a question, the key help, the messages, the `:` pane
	focusDetail               // a container's tabs
	focusObject               // an image's, volume's or network's inspect page
	focusLayers               // the Layers view
	focusRunForm              // the images tab's forms and jobs
	focusPull
	focusTag
	focusBuild
	focusImages
	focusResources // the Volumes or Networks tab
	focusContainers
)

func (a *App) focused() focus {
	switch {
	case a.overlays.top() != nil:
		return focusPrompt
	case a.inDetail:
		return focusDetail
	case a.object != nil:
		return focusObject
	case a.layersShown():
		return focusLayers
	case a.tab == tabImages && a.runForm != nil:
		return focusRunForm
	case a.tab == tabImages && a.pull != nil:
		return focusPull
	case a.tab == tabImages && a.tag != nil:
		return focusTag
	case a.tab == tabImages && a.build != nil:
		return focusBuild
	case a.tab == tabImages:
		return focusImages
	case a.resources() != nil:
		return focusResources
	}
	return focusContainers
}
