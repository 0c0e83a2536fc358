package webhook

import (
	"github.com/go-json-experiment/json/jsontext"
	corev1 "k8s.io/api/core/v1"

	"github.com/stagehand-k8s/stagehand/pkg/inject"
)

// This file holds the podReader's walk of the pod spec.

func (r *podReader) spec() error {
	spec := &r.discard.spec
	if r.decoding() {
		spec = &r.pod.Spec
	}
	return readStruct(r.dec, specFields, func(name string) error {
		switch name {
		case "automountServiceAccountToken":
			return r.into(tagAutomount, &spec.AutomountServiceAccountToken)
		case "terminationGracePeriodSeconds":
			return r.into(tagGrace, &spec.TerminationGracePeriodSeconds)
		case "securityContext":
			return r.securityContext(spec)
		case "volumes":
			// Volumes and init containers are read whole: stagehand's own
			// are among them, and re-injection compares them in full.
			return r.into(tagVolumes, &spec.Volumes)
		case "initContainers":
			return r.into(tagInitContainers, &spec.InitContainers)
		default: // containers
			return r.containers(spec)
		}
	})
}

// securityContext reads the one field of it that injection reads.
func (r *podReader) securityContext(spec *corev1.PodSpec) error {
	if null, err := readNull(r.dec); null || err != nil {
		return err
	}
	spec.SecurityContext = &corev1.PodSecurityContext{}
	return r.node(tagSecurityContext, func() error {
		return readStruct(r.dec, securityContextFields, func(string) error {
			return r.into(tagFSGroup, &spec.SecurityContext.FSGroup)
		})
	})
}

func (r *podReader) containers(spec *corev1.PodSpec) error {
	return readList(r, tagContainers, tagContainer, &spec.Containers, &r.discard.container, r.container)
}

// readList reads an array of objects, each with read, into *list when
// decoding. The list is a node of the fingerprint, and each element a node
// within it.
func readList[T any](r *podReader, listTag, elementTag byte, list *[]T, discard *T, read func(*T) error) error {
	if null, err := readNull(r.dec); null || err != nil {
		return err
	}
	r.open(listTag)
	n := r.count.of(listTag)
	err := readArray(r.dec, func() error {
		r.open(elementTag)
		if n != nil && !r.decoding() {
			if err := r.add(n, 1); err != nil {
				return err
			}
		}
		e := discard
		if r.decoding() {
			*list = append(*list, *new(T))
			e = &(*list)[len(*list)-1]
		}
		err := read(e)
		r.close()
		return err
	})
	r.close()
	return err
}

func (r *podReader) container(c *corev1.Container) error {
	return readStruct(r.dec, containerFields, func(name string) (err error) {
		switch name {
		case "name":
			c.Name, err = r.str(tagContainerName)
		case "image":
			c.Image, err = r.str(tagImage)
		case "command":
			c.Command, err = r.strs(tagCommand)
		case "env":
			err = r.env(c)
		case "volumeMounts":
			err = r.into(tagVolumeMounts, &c.VolumeMounts)
		}
		return err
	})
}

// env reads a container's env vars: their names, and the values of those
// stagehand injects. The values of the pod's own env vars, often hundreds on
// a Spark or MR3 pod, are skipped.
func (r *podReader) env(c *corev1.Container) error {
	return readList(r, tagEnv, tagEnvVar, &c.Env, &r.discard.env, r.envVar)
}

func (r *podReader) envVar(e *corev1.EnvVar) error {
	// A value read before its name is kept raw until the name says whether
	// injection reads it.
	var early []byte
	named, injected := false, false
	err := readStruct(r.dec, envVarFields, func(name string) (err error) {
		switch name {
		case "name":
			e.Name, injected, err = r.envName()
			named = true
		case "value":
			if k := r.dec.PeekKind(); k != '"' && k != 'n' {
				return kindError(r.dec, "a string", k)
			}
			var raw jsontext.Value
			switch raw, err = r.dec.ReadValue(); {
			case err != nil:
			case !named:
				early = append([]byte{}, raw...)
			case injected:
				r.record(tagEnvValue, raw)
				if r.decoding() {
					e.Value, err = r.unquote(raw)
				}
			}
		case "valueFrom":
			err = r.into(tagValueFrom, &e.ValueFrom)
		}
		return err
	})
	if err == nil && early != nil && injected {
		r.record(tagEnvValue, early)
		if r.decoding() {
			e.Value, err = unquote(early)
		}
	}
	return err
}

// envName reads an env var's name, and whether stagehand injects an env var
// of that name. The name is decoded into a string only when decoding.
func (r *podReader) envName() (name string, injected bool, err error) {
	if k := r.dec.PeekKind(); k != '"' && k != 'n' {
		return "", false, kindError(r.dec, "a string", k)
	}
	raw, err := r.value(tagEnvName)
	if err != nil || raw.Kind() == 'n' {
		return "", false, err
	}
	unquoted, err := unquoteBytes(raw)
	if err != nil {
		return "", false, err
	}
	if r.decoding() {
		name, err = r.unquote(raw)
	}
	return name, inject.InjectsEnv(unquoted), err
}
