package integration

import (
	"strings"
	"testing"
)

// TestLinkEnvironment: --link sets docker's legacy variables (seed 002's
// wordpress script reads DB_PORT_3306_TCP_ADDR and DB_ENV_*), and linking
// to a container that is not running is docker's error.
func TestLinkEnvironment(t *testing.T) {
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	ctx := t.TempDir()
	writeFile(t, ctx+"/Dockerfile", "FROM busybox\nEXPOSE 3306\nENV MYSQL_DATABASE=wordpress\n")
	okAt(t, store, "build", "-q", "-t", "fakedb", ctx)
	okAt(t, store, "run", "-d", "--name", "db", "-e", "MYSQL_ROOT_PASSWORD=secret", "fakedb", "sleep", "300")
	ip := okAt(t, store, "inspect", "-f", "{{.NetworkSettings.IPAddress}}", "db")
	if ip == "" {
		t.Fatal("db has no address")
	}
	env := okAt(t, store, "run", "--rm", "--link", "db:mysql", "-e", "MYSQL_ENV_OWN=1", "busybox", "env")
	for _, want := range []string{
		"MYSQL_PORT=tcp://" + ip + ":3306",
		"MYSQL_PORT_3306_TCP=tcp://" + ip + ":3306",
		"MYSQL_PORT_3306_TCP_ADDR=" + ip,
		"MYSQL_PORT_3306_TCP_PORT=3306",
		"MYSQL_PORT_3306_TCP_PROTO=tcp",
		"MYSQL_ENV_MYSQL_ROOT_PASSWORD=secret",
		"MYSQL_ENV_MYSQL_DATABASE=wordpress",
		"MYSQL_ENV_OWN=1",
	} {
		if !strings.Contains("\n"+env+"\n", "\n"+want+"\n") {
			t.Errorf("--link db:mysql: no %s in\n%s", want, env)
		}
	}
	if !strings.Contains(env, "MYSQL_NAME=/") || strings.Contains(env, "MYSQL_ENV_PATH=") {
		t.Errorf("--link db:mysql: NAME missing or PATH passed on:\n%s", env)
	}
	okAt(t, store, "stop", "-t", "0", "db")
	r := at(t, store, "", "", "run", "--rm", "--link", "db:mysql", "busybox", "true")
	if r.code != 125 || !strings.Contains(r.stderr, "cannot link to a non running container: /db AS /") {
		t.Errorf("--link to a stopped container: %v", r)
	}
}
