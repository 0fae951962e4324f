package kube

import (
	"fmt"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/intstr"
)

// service publishes a Service's ports on the pods it selects: the host
// port is nodePort when set, else port; the container port is targetPort
// (a number, or a container port's name), else port. berth has no load
// balancer: a Service selecting several pods is published on the first.
func (p *planner) service(s *corev1.Service, pods []*podPlan) error {
	what := fmt.Sprintf("service %q", s.Name)
	switch s.Spec.Type {
	case "", corev1.ServiceTypeClusterIP, corev1.ServiceTypeNodePort, corev1.ServiceTypeLoadBalancer:
	default:
		p.warn("%s: type %s is not supported by berth, ignored", what, s.Spec.Type)
		return nil
	}
	if len(s.Spec.Selector) == 0 {
		p.warn("%s: no selector: berth publishes only selected pods' ports, ignored", what)
		return nil
	}
	var chosen []*podPlan
	for _, pp := range pods {
		if matches(s.Spec.Selector, pp.Labels) {
			chosen = append(chosen, pp)
		}
	}
	if len(chosen) == 0 {
		p.warn("%s: selects no pod of the manifest, ignored", what)
		return nil
	}
	if len(chosen) > 1 {
		names := make([]string, len(chosen))
		for i, c := range chosen {
			names[i] = c.Name
		}
		p.warn("%s: selects %d pods (%s); berth has no load balancer, published on %s only", what, len(chosen), strings.Join(names, ", "), chosen[0].Name)
	}
	pp := chosen[0]
	for _, sp := range s.Spec.Ports {
		host := sp.Port
		if sp.NodePort != 0 {
			host = sp.NodePort
		}
		target := sp.Port
		switch sp.TargetPort.Type {
		case intstr.Int:
			if sp.TargetPort.IntVal != 0 {
				target = sp.TargetPort.IntVal
			}
		case intstr.String:
			n, ok := pp.ports[sp.TargetPort.StrVal]
			if !ok {
				return fmt.Errorf("%s: targetPort %q: pod %q has no port of that name", what, sp.TargetPort.StrVal, pp.Name)
			}
			target = n
		}
		if host < 1 || host > 65535 || target < 1 || target > 65535 {
			return fmt.Errorf("%s: port %d -> %d: out of range", what, host, target)
		}
		proto := strings.ToLower(string(sp.Protocol))
		if proto == "" {
			proto = "tcp"
		}
		if err := publish(&pp.Infra, fmt.Sprintf("%d/%s", target, proto), p.o.ServiceAddress, host); err != nil {
			return fmt.Errorf("%s: pod %q: %w", what, pp.Name, err)
		}
	}
	return nil
}

func matches(selector, labels map[string]string) bool {
	for k, v := range selector {
		if labels[k] != v {
			return false
		}
	}
	return true
}

func sortStrings(s []string) { sort.Strings(s) }
