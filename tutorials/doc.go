// Package tutorials owns berth's guided lessons: the lesson files embedded
// in the binary (lessons/*.md), their parser, the checks that verify each
// step against the engine's real state, and the learner's progress.
//
// # A lesson file
//
// A lesson is Markdown with a front matter and one "## " section per step:
//
//	---
//	title: Your first container
//	summary: run, list, logs, exec, stop, rm
//	---
//
//	## Run a container
//
//	Text that says what happens underneath: paragraphs, separated by
//	blank lines; a line starting "- " is a list item.
//
//	```sh
//	berth run -d --name first busybox sleep 3600
//	```
//
//	check: running first
//
// The file name gives the lesson its name and order: 01-first-container.md
// is "first-container", listed first. A step has a title, text, commands
// (each line of its ```sh blocks; none is allowed) and one check or more.
// A check line is "check: KIND ARGS..."; the kinds (Kinds) are:
//
//	exists C, absent C         container C exists / does not
//	running C                  C is running
//	exited C [CODE]            C has exited (with CODE)
//	oom-killed C               the OOM killer ended C
//	memory-limit C SIZE        C's --memory is SIZE (32m), >=SIZE or <=SIZE
//	pids-limit C N             C's --pids-limit is N, >=N or <=N
//	hostname C NAME            C's host name is NAME
//	shares C pid|net|ipc D     C joined D's namespace (--pid container:D)
//	on-network C NET           C is attached to network NET
//	restarts C N               C's restart policy restarted it N times, >=N or <=N
//	health C STATUS            C's health check says starting, healthy or unhealthy
//	read-only C                C's root filesystem is read-only (--read-only)
//	env C KEY=VALUE            C's environment has KEY=VALUE (-e, --env-file, the image)
//	mount C PATH [TYPE]        C has a mount (bind, volume or tmpfs) at PATH
//	exec C [COMMAND]           COMMAND (any) was exec'd in C since it was created
//	changed C PATH             C's writable layer has PATH (berth diff C)
//	image REF                  the image tag REF exists (REF:latest without a tag)
//	layers REF N               REF has N layers or more (empty ones not counted)
//	volume NAME, network NAME  the volume / network exists
//	opened VIEW TARGET         the learner opened VIEW (Views) of container or
//	                           image TARGET in the workbench
//
// Parse rejects anything else with one line naming the file and the step;
// a test parses every embedded lesson.
//
// # Lifecycle
//
// All parses the embedded lessons. A step is checked with Step.Evaluate
// against a State — the few engine reads the checks need, which both
// *engine.Engine and the workbench's Engine have — and the Opened views of
// the workbench (nil outside it: "opened" checks are then Unknown). The
// workbench evaluates the current step on engine events and when the
// learner opens a view, never on a timer; when every check passes it moves
// to the next step and saves the Progress (ProgressPath, next to berth's
// config file).
package tutorials
