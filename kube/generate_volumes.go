package kube

import (
	"fmt"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/api/resource"

	"github.com/berthdev/berth/engine"
)

// podVolumes collects a pod's volumes as its containers mount them: a named
// volume is a persistentVolumeClaim of the same name, a bind a hostPath, a
// tmpfs or an anonymous volume an emptyDir.
type podVolumes struct {
	spec  *corev1.PodSpec
	used  map[string]bool   // volume names in the pod
	byKey map[string]string // what it is -> its name in the pod
}

func (v *podVolumes) add(key, hint string, src corev1.VolumeSource) string {
	if n, ok := v.byKey[key]; ok {
		return n
	}
	n := dnsLabel(hint, v.used)
	v.byKey[key] = n
	v.spec.Volumes = append(v.spec.Volumes, corev1.Volume{Name: n, VolumeSource: src})
	return n
}

func (v *podVolumes) mounts(g *generator, c *engine.ContainerInspect, ic *engine.ImageInspectConfig, kc *corev1.Container, cw string) error {
	for _, mp := range c.Mounts {
		var name string
		switch mp.Type {
		case "volume":
			anonymous := len(mp.Name) == 64 && strings.Trim(mp.Name, "0123456789abcdef") == ""
			if vol, err := g.e.InspectVolume(mp.Name); err == nil {
				if _, ok := vol.Labels["com.docker.volume.anonymous"]; ok {
					anonymous = true
				}
			}
			if anonymous {
				if _, fromImage := ic.Volumes[mp.Destination]; fromImage {
					continue // the image declares it again
				}
				name = v.add("anon:"+mp.Name, "data", corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{}})
				break
			}
			claim := dnsSubdomain(mp.Name)
			if claim != mp.Name {
				g.warn("%s: volume %q: claim named %q (Kubernetes names)", cw, mp.Name, claim)
			}
			g.claims[claim] = true
			name = v.add("pvc:"+claim, claim, corev1.VolumeSource{PersistentVolumeClaim: &corev1.PersistentVolumeClaimVolumeSource{ClaimName: claim}})
		case "bind":
			name = v.add("bind:"+mp.Source, "host"+strings.ReplaceAll(mp.Source, "/", "-"), corev1.VolumeSource{HostPath: &corev1.HostPathVolumeSource{Path: mp.Source}})
		case "tmpfs":
			ed := &corev1.EmptyDirVolumeSource{Medium: corev1.StorageMediumMemory}
			if size := tmpfsSize(mp.TmpfsOptions); size != nil {
				ed.SizeLimit = size
			}
			name = v.add("tmpfs:"+kc.Name+":"+mp.Destination, "tmp"+strings.ReplaceAll(mp.Destination, "/", "-"), corev1.VolumeSource{EmptyDir: ed})
		default:
			g.warn("%s: mount %s of type %q: no Kubernetes volume for it, left out", cw, mp.Destination, mp.Type)
			continue
		}
		kc.VolumeMounts = append(kc.VolumeMounts, corev1.VolumeMount{Name: name, MountPath: mp.Destination, ReadOnly: !mp.RW})
	}
	return nil
}

// tmpfsSize reads size= of tmpfs options ("size=64m,mode=1777").
func tmpfsSize(opts string) *resource.Quantity {
	for _, o := range strings.Split(opts, ",") {
		if v, ok := strings.CutPrefix(o, "size="); ok {
			v = strings.TrimSuffix(strings.ToUpper(v), "B")
			if q, err := resource.ParseQuantity(strings.Replace(strings.Replace(strings.Replace(v, "K", "Ki", 1), "M", "Mi", 1), "G", "Gi", 1)); err == nil {
				return &q
			}
		}
	}
	return nil
}

// dnsSubdomain makes a claim name (RFC 1123 subdomain) of a volume name.
func dnsSubdomain(s string) string {
	var b strings.Builder
	for _, r := range strings.ToLower(s) {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '.' || r == '-' {
			b.WriteRune(r)
		} else {
			b.WriteByte('-')
		}
	}
	n := strings.Trim(b.String(), "-.")
	if len(n) > 253 {
		n = n[:253]
	}
	if n == "" {
		return "volume"
	}
	return fmt.Sprint(n)
}
