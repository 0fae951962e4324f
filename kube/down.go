package kube

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/berthdev/berth/engine"
	"github.com/berthdev/berth/internal/errdefs"
)

// Down removes what Play made of a manifest: the containers of its pods
// and of its deployments' replicas (whatever their number now), then the
// volumes Play made for those pods. Claims' named volumes stay, as
// PersistentVolumes outlive pods.
func Down(ctx context.Context, e *engine.Engine, m *Manifest, o PlayOptions) error {
	var pods []string
	for _, p := range m.Pods {
		pods = append(pods, p.Name)
	}
	return down(ctx, e, pods, deploymentNames(m), o)
}

func deploymentNames(m *Manifest) []string {
	var out []string
	for _, d := range m.Deployments {
		out = append(out, d.Name)
	}
	return out
}

func down(ctx context.Context, e *engine.Engine, pods, deployments []string, o PlayOptions) error {
	podSet, depSet := set(pods), set(deployments)
	all, err := e.List(true)
	if err != nil {
		return err
	}
	var members, infras []engine.ContainerSummary
	for _, c := range all {
		pod := c.Labels[LabelPod]
		if pod == "" || !podSet[pod] && !depSet[c.Labels[LabelDeployment]] {
			continue
		}
		podSet[pod] = true
		if c.Labels[LabelInfra] == "true" {
			infras = append(infras, c)
		} else {
			members = append(members, c)
		}
	}
	for _, c := range append(members, infras...) {
		if err := e.Remove(ctx, c.ID, true); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
			return fmt.Errorf("pod %q: removing container %q: %w", c.Labels[LabelPod], name(c), err)
		}
		o.say("Container %s removed", name(c))
	}
	vols, err := e.ListVolumes()
	if err != nil {
		return err
	}
	sort.Slice(vols, func(i, j int) bool { return vols[i].Name < vols[j].Name })
	for _, v := range vols {
		if pod := v.Labels[LabelVolume]; pod != "" && podSet[pod] {
			if err := e.RemoveVolume(v.Name, false); err != nil && !errors.Is(err, errdefs.ErrNotFound) {
				return fmt.Errorf("pod %q: removing volume %q: %w", pod, v.Name, err)
			}
			o.say("Volume %s removed", v.Name)
		}
	}
	return nil
}

func set(list []string) map[string]bool {
	m := map[string]bool{}
	for _, s := range list {
		m[s] = true
	}
	return m
}

func name(c engine.ContainerSummary) string {
	if len(c.Names) > 0 {
		return c.Names[0]
	}
	return c.ID
}
