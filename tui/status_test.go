package tui

import "testing"

// The list's STATUS says what docker ps says of a container's health, and
// in its STATE what only inspect says in docker: that the OOM killer
// ended it.
func TestListShowsHealthAndOOM(t *testing.T) {
	f := world()
	web := f.byName("web")
	web.Health = "unhealthy"
	f.containers[web.ID] = web
	crashed := f.byName("crashed")
	crashed.OOMKilled = true
	f.containers[crashed.ID] = crashed
	h := start(t, f, 160, 48)
	h.waitFor("Up 17 minutes (unhealthy)", "OOMKilled Exited (137) 12 minutes ago")
}
