// Package tui will own berth's terminal workbench (Bubble Tea): live
// container and image lists, the layer explorer, resource graphs, namespace
// views, logs, PTY hand-over for exec and attach, and the lesson pane. It
// talks to the engine only through a narrow interface it declares itself.
//
// It holds no code yet: until it does, `berth` with no arguments lists the
// containers as `berth ps -a` does.
package tui
