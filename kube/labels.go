package kube

// Labels on every container Play creates (see the package comment).
const (
	LabelPodName       = "io.kubernetes.pod.name"
	LabelContainerName = "io.kubernetes.container.name"
	LabelPod           = "berth.kube.pod"
	LabelInfra         = "berth.kube.infra"
	LabelDeployment    = "berth.kube.deployment"
	// LabelVolume marks the volumes Play makes for a pod's emptyDir,
	// configMap and secret volumes (the pod's name); Down removes them.
	LabelVolume = "berth.kube.pod"
)

// InfraName is the name of a pod's infra container.
func InfraName(pod string) string { return pod + "-infra" }

// ContainerName is the name of a pod's container.
func ContainerName(pod, container string) string { return pod + "-" + container }
