package kubetest

import (
	"strings"
	"testing"
)

// TestUserns3SchemaCatches: the schema check refuses what the API server
// would (a missing required field, a wrong type, a number out of its
// format) and passes a valid manifest of every kind berth generates.
func TestUserns3SchemaCatches(t *testing.T) {
	good := `apiVersion: v1
kind: Pod
metadata: {name: web, labels: {app: web}}
spec:
  containers:
  - name: app
    image: busybox
    ports: [{containerPort: 80, hostPort: 8080, protocol: TCP}]
    resources: {limits: {memory: 64Mi, cpu: 250m}}
    livenessProbe: {exec: {command: ["true"]}, periodSeconds: 3}
    volumeMounts: [{name: data, mountPath: /data}]
  volumes: [{name: data, persistentVolumeClaim: {claimName: data}}]
---
apiVersion: v1
kind: Service
metadata: {name: web}
spec: {selector: {app: web}, ports: [{port: 80, targetPort: 80}]}
---
apiVersion: v1
kind: PersistentVolumeClaim
metadata: {name: data}
spec: {accessModes: [ReadWriteOnce], resources: {requests: {storage: 1Gi}}}
---
apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec:
  replicas: 2
  selector: {matchLabels: {app: web}}
  template:
    metadata: {labels: {app: web}}
    spec: {containers: [{name: app, image: busybox}]}
`
	if err := Validate([]byte(good)); err != nil {
		t.Fatalf("a valid manifest: %v", err)
	}
	bad := map[string]string{
		"spec.containers in body is required":           "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {}\n",
		"containerPort in body must be of type integer": "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{name: a, ports: [{containerPort: eighty}]}]}\n",
		"name in body is required":                      "apiVersion: v1\nkind: Pod\nmetadata: {name: p}\nspec: {containers: [{image: a}]}\n",
		"replicas in body must be of type integer":      "apiVersion: apps/v1\nkind: Deployment\nmetadata: {name: d}\nspec: {replicas: two, selector: {}, template: {spec: {containers: [{name: a}]}}}\n",
		"not in": "apiVersion: v1\nkind: Namespace\nmetadata: {name: n}\n",
	}
	for want, doc := range bad {
		err := Validate([]byte(doc))
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate(%q) = %v, want an error with %q", doc, err, want)
		}
	}
}
