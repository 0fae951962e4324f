// Package kube carries workloads between berth and Kubernetes, as podman's
// `kube generate` and `kube play` do: Generate turns containers (or a
// compose project's) into Kubernetes YAML built from the API's own types
// (k8s.io/api, sigs.k8s.io/yaml); Play runs a manifest's Pods, Deployments,
// Services, PersistentVolumeClaims, ConfigMaps and Secrets on the engine,
// and Down removes what Play made. Only the engine's public API is used.
//
// # Decoding
//
// A manifest is read by apimachinery's strict serializer (Decode): an
// unknown or duplicated field is an error naming the document, as
// `kubectl --validate=strict` has it. A field berth cannot honour is not
// dropped silently: Unsupported names each in one warning line.
//
// # Pods on berth
//
// A pod is an infra container, <pod>-infra, that holds the pod's network,
// IPC and UTS namespaces (it sleeps; podman's pause container), and one
// container per spec container, <pod>-<name>, joined to them with
// container:<pod>-infra modes. Published ports (hostPort, Services) are the
// infra container's. Every container carries the labels below; the
// workbench groups a pod's containers by LabelPod.
//
//	io.kubernetes.pod.name        the pod (as the kubelet labels containers)
//	io.kubernetes.container.name  the spec container's name; "POD" for infra
//	berth.kube.pod                the pod: the grouping label
//	berth.kube.infra              "true" on the infra container
//	berth.kube.deployment         the Deployment a replica pod belongs to
//
// A Deployment's replicas are pods <deployment>-pod (one replica) or
// <deployment>-pod-<n>. Volumes: a persistentVolumeClaim is the named
// volume of its claimName (kept by Down); emptyDir, configMap and secret
// volumes are volumes <pod>-<volume> labelled berth.kube.pod (removed by
// Down), configMap and secret ones filled with their keys' files and
// mounted read-only; hostPath is a bind mount.
//
// # All or nothing
//
// Play converts and checks the whole manifest before it changes anything,
// and removes what it created when a later step fails. What a killed Play
// leaves carries the labels, and `play --replace` or `play --down` clears it.
//
// # Start-up cost
//
// This package is linked into berth itself, so every berth exec (shim,
// container init) runs its package init: it must build nothing there. The
// strict serializer and its scheme, patterns and quantities are built on
// first use (sync.OnceValue); what remains is the k8s.io packages' own
// init, measured in cmd/berth/kube.go.
package kube
