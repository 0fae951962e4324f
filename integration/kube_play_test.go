package integration

import (
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// Manifests from the Kubernetes documentation, with busybox standing in
// for nginx and debian (--pull never: nothing leaves the machine):
// communicate-containers-same-pod-shared-volume, the exec liveness probe of
// configure-liveness-readiness-startup-probes, configure-pod-configmap's
// env, envFrom and configMap volume, and the Deployment concept page's
// nginx-deployment with a Service in front.
const kubeDocsExamples = `apiVersion: v1
kind: Pod
metadata:
  name: two-containers
spec:
  restartPolicy: Never
  volumes:
  - name: shared-data
    emptyDir: {}
  containers:
  - name: nginx-container
    image: busybox
    command: ["httpd", "-f", "-p", "80", "-h", "/usr/share/nginx/html"]
    ports:
    - containerPort: 80
      hostPort: %[1]s
      hostIP: 127.0.0.1
    volumeMounts:
    - name: shared-data
      mountPath: /usr/share/nginx/html
  - name: debian-container
    image: busybox
    command: ["/bin/sh"]
    args: ["-c", "echo Hello from the debian container > /pod-data/index.html; sleep 300"]
    volumeMounts:
    - name: shared-data
      mountPath: /pod-data
---
apiVersion: v1
kind: Pod
metadata:
  labels:
    test: liveness
  name: liveness-exec
spec:
  containers:
  - name: liveness
    image: busybox
    args:
    - /bin/sh
    - -c
    - touch /tmp/healthy; sleep 600
    livenessProbe:
      exec:
        command:
        - cat
        - /tmp/healthy
      initialDelaySeconds: 1
      periodSeconds: 1
---
apiVersion: v1
kind: ConfigMap
metadata:
  name: special-config
  namespace: default
data:
  SPECIAL_LEVEL: very
  SPECIAL_TYPE: charm
---
apiVersion: v1
kind: Pod
metadata:
  name: dapi-test-pod
spec:
  containers:
    - name: test-container
      image: busybox
      command: [ "/bin/sh", "-c", "echo $(SPECIAL_LEVEL_KEY) $(SPECIAL_TYPE_KEY) > /tmp/out; sleep 300" ]
      env:
        - name: SPECIAL_LEVEL_KEY
          valueFrom:
            configMapKeyRef:
              name: special-config
              key: SPECIAL_LEVEL
        - name: SPECIAL_TYPE_KEY
          valueFrom:
            configMapKeyRef:
              name: special-config
              key: SPECIAL_TYPE
      envFrom:
      - configMapRef:
          name: special-config
      volumeMounts:
      - name: config-volume
        mountPath: /etc/config
  volumes:
    - name: config-volume
      configMap:
        name: special-config
  restartPolicy: Never
---
apiVersion: apps/v1
kind: Deployment
metadata:
  name: nginx-deployment
  labels:
    app: nginx
spec:
  replicas: 2
  selector:
    matchLabels:
      app: nginx
  template:
    metadata:
      labels:
        app: nginx
    spec:
      containers:
      - name: nginx
        image: busybox
        command: ["sh", "-c", "mkdir -p /www && echo nginx $$(hostname) > /www/index.html && exec httpd -f -p 80 -h /www"]
        ports:
        - name: http
          containerPort: 80
---
apiVersion: v1
kind: Service
metadata:
  name: my-service
spec:
  selector:
    app: nginx
  ports:
    - protocol: TCP
      port: %[2]s
      targetPort: http
`

// TestKubePlayDocsExamples plays the documentation's examples offline and
// checks what each shows: a shared volume between a pod's containers,
// a liveness probe turning healthy, env from a ConfigMap (with $(VAR)
// expansion) and its keys as files, replicas, a Service by port name.
func TestKubePlayDocsExamples(t *testing.T) {
	kubeReady(t)
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	podPort := strings.Split(freePort(t), ":")[1]
	svcPort := strings.Split(freePort(t), ":")[1]
	file := filepath.Join(t.TempDir(), "docs.yaml")
	writeFile(t, file, fmt.Sprintf(kubeDocsExamples, podPort, svcPort))
	r := at(t, store, "", "", "kube", "play", "--pull", "never", "--service-address", "127.0.0.1", file)
	if r.code != 0 {
		t.Fatalf("kube play: %v", r)
	}
	if !strings.Contains(r.stderr, `service "my-service": selects 2 pods`) {
		t.Errorf("no warning that the Service has one backend on berth: %q", r.stderr)
	}

	eventually(t, 20*time.Second, "the nginx stand-in serving what the debian stand-in wrote", func() bool {
		return httpGet("http://127.0.0.1:"+podPort+"/") == "Hello from the debian container\n"
	})
	eventually(t, 20*time.Second, "the liveness probe turning healthy", func() bool {
		return okAt(t, store, "inspect", "-f", "{{.State.Health.Status}}", "liveness-exec-liveness") == "healthy"
	})
	eventually(t, 20*time.Second, "the expanded command line's output", func() bool {
		return at(t, store, "", "", "exec", "dapi-test-pod-test-container", "cat", "/tmp/out").stdout == "very charm\n"
	})
	env := okAt(t, store, "exec", "dapi-test-pod-test-container", "env")
	for _, want := range []string{"SPECIAL_LEVEL_KEY=very", "SPECIAL_TYPE_KEY=charm", "SPECIAL_LEVEL=very", "SPECIAL_TYPE=charm"} {
		if !strings.Contains(env, want+"\n") {
			t.Errorf("env lacks %s:\n%s", want, env)
		}
	}
	if got := okAt(t, store, "exec", "dapi-test-pod-test-container", "cat", "/etc/config/SPECIAL_TYPE"); got != "charm" {
		t.Errorf("/etc/config/SPECIAL_TYPE = %q", got)
	}
	if r := at(t, store, "", "", "exec", "dapi-test-pod-test-container", "touch", "/etc/config/new"); r.code == 0 {
		t.Errorf("the configMap volume is writable")
	}
	eventually(t, 20*time.Second, "the Service answering from the first replica", func() bool {
		return httpGet("http://127.0.0.1:"+svcPort+"/") == "nginx nginx-deployment-pod-1\n"
	})
	for _, n := range []string{"nginx-deployment-pod-1-nginx", "nginx-deployment-pod-2-nginx"} {
		if got := okAt(t, store, "inspect", "-f", `{{index .Config.Labels "berth.kube.pod"}} {{index .Config.Labels "berth.kube.deployment"}}`, n); !strings.HasSuffix(got, " nginx-deployment") {
			t.Errorf("%s labels: %q", n, got)
		}
	}

	if r := at(t, store, "", "", "kube", "play", "--down", file); r.code != 0 {
		t.Fatalf("kube play --down: %v", r)
	}
	if ps := okAt(t, store, "ps", "-aq"); ps != "" {
		t.Errorf("containers left after --down: %q", ps)
	}
	if vols := okAt(t, store, "volume", "ls", "-q"); vols != "" {
		t.Errorf("volumes left after --down: %q", vols)
	}
}

// TestKubePlayAllOrNothing: a manifest that fails, before or after it
// created something, leaves the store as it was, with one error line
// naming the object.
func TestKubePlayAllOrNothing(t *testing.T) {
	kubeReady(t)
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	good := "apiVersion: v1\nkind: ConfigMap\nmetadata: {name: cfg}\ndata: {k: v}\n---\n" +
		"apiVersion: v1\nkind: Pod\nmetadata: {name: good}\nspec:\n  volumes: [{name: scratch, emptyDir: {}}, {name: conf, configMap: {name: cfg}}]\n" +
		"  containers: [{name: app, image: busybox, command: [sleep, \"300\"], volumeMounts: [{name: scratch, mountPath: /s}, {name: conf, mountPath: /c}]}]\n"
	cases := []struct{ name, doc, want string }{
		// fails only when the engine creates the second pod's container
		{"late failure", good + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  volumes: [{name: h, hostPath: {path: /nonexistent-berth-kube}}]\n  containers: [{name: app, image: busybox, volumeMounts: [{name: h, mountPath: /h}]}]\n",
			`pod "bad": container "app"`},
		{"image missing", good + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {containers: [{name: app, image: no-such-image-here}]}\n",
			`pod "bad": image "no-such-image-here" is not in the store`},
		{"unknown field", good + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec: {containers: [{name: app, image: busybox, imagee: x}]}\n",
			`document 3 (Pod "bad"): strict decoding error: unknown field "spec.containers[0].imagee"`},
		{"hostile item path", good + "---\napiVersion: v1\nkind: Pod\nmetadata: {name: bad}\nspec:\n  volumes: [{name: v, configMap: {name: cfg, items: [{key: k, path: ../../../../etc/berth-kube-escape}]}}]\n  containers: [{name: app, image: busybox}]\n",
			`pod "bad": volume "v": item "k"`},
	}
	dir := t.TempDir()
	for _, c := range cases {
		file := filepath.Join(dir, strings.ReplaceAll(c.name, " ", "-")+".yaml")
		writeFile(t, file, c.doc)
		r := at(t, store, "", "", "kube", "play", "--pull", "never", file)
		if r.code == 0 {
			t.Fatalf("%s: kube play succeeded", c.name)
		}
		lines := strings.Split(strings.TrimSpace(r.stderr), "\n")
		last := lines[len(lines)-1]
		if !strings.HasPrefix(last, "berth: kube: ") || !strings.Contains(last, c.want) {
			t.Errorf("%s: error %q, want one line with %q", c.name, last, c.want)
		}
		for _, l := range lines[:len(lines)-1] {
			if !strings.HasPrefix(l, "berth: kube: warning: ") {
				t.Errorf("%s: stray stderr line %q", c.name, l)
			}
		}
		if ps := okAt(t, store, "ps", "-aq"); ps != "" {
			t.Errorf("%s: containers left: %q", c.name, ps)
		}
		if vols := okAt(t, store, "volume", "ls", "-q"); vols != "" {
			t.Errorf("%s: volumes left: %q", c.name, vols)
		}
	}

	// A container in the way is named, and --replace does not remove what
	// kube play did not make.
	okAt(t, store, "create", "--pull", "never", "--name", "good-app", "busybox")
	file := filepath.Join(dir, "good.yaml")
	writeFile(t, file, good)
	for _, args := range [][]string{{"kube", "play", file}, {"kube", "play", "--replace", file}} {
		r := at(t, store, "", "", args...)
		if r.code == 0 || !strings.Contains(r.stderr, `pod "good": container "good-app"`) {
			t.Errorf("%v over a container of that name: %v", args, r)
		}
	}
	if ps := okAt(t, store, "ps", "-aq"); len(strings.Fields(ps)) != 1 {
		t.Errorf("containers after refusals: %q, want only good-app", ps)
	}
}

// TestKubeGenerateCompose: a compose project's services become
// Deployments with their replica counts, Services for published ports and
// claims for named volumes; the YAML decodes strictly and plays.
func TestKubeGenerateCompose(t *testing.T) {
	kubeReady(t)
	t.Parallel()
	store := tempStore(t)
	okAt(t, store, "bootstrap")
	dir := t.TempDir()
	port := strings.Split(freePort(t), ":")[1]
	writeFile(t, filepath.Join(dir, "compose.yaml"), fmt.Sprintf(`services:
  web:
    image: busybox
    command: ["httpd", "-f", "-p", "80"]
    ports: ["127.0.0.1:%s:80"]
    volumes: ["data:/data"]
  worker:
    image: busybox
    command: ["sleep", "300"]
    deploy:
      replicas: 2
volumes:
  data:
`, port))
	okAt(t, store, "compose", "-f", filepath.Join(dir, "compose.yaml"), "-p", "kc", "up", "-d")
	file := filepath.Join(dir, "kube.yaml")
	okAt(t, store, "kube", "generate", "--compose-project", "kc", "--type", "deployment", "--service", "-f", file)
	decodeStrict(t, file, `PersistentVolumeClaim "kc-data": spec.resources`)
	y := okAt(t, store, "kube", "generate", "--compose-project", "kc", "--type", "deployment", "--service")
	for _, want := range []string{"kind: Deployment\nmetadata:\n  labels:\n    app: web", "name: worker\nspec:\n  replicas: 2", "kind: Service", "claimName: kc-data", "hostPort: " + port} {
		if !strings.Contains(y, want) {
			t.Errorf("generated YAML lacks %q:\n%s", want, y)
		}
	}
	okAt(t, store, "compose", "-f", filepath.Join(dir, "compose.yaml"), "-p", "kc", "down")
	if r := at(t, store, "", "", "kube", "play", "--pull", "never", "--service-address", "127.0.0.1", file); r.code != 0 {
		t.Fatalf("kube play: %v", r)
	}
	for _, n := range []string{"web-pod-web", "worker-pod-1-worker", "worker-pod-2-worker"} {
		if got := okAt(t, store, "inspect", "-f", "{{.State.Status}}", n); got != "running" {
			t.Errorf("%s: %s", n, got)
		}
	}
}
