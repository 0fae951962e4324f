// Package tutorials will own berth's guided lessons: embedded lesson files
// and the checks that verify each step against the engine's real state.
//
// It holds no code yet; no command claims lessons until it does.
package tutorials
