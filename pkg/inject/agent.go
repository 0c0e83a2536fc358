package inject

import (
	"fmt"
	"slices"
	"strconv"

	corev1 "k8s.io/api/core/v1"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// Names and paths of what the agent injection adds.
const (
	InstallContainer = volumePrefix + "install"
	AgentVolume      = volumePrefix + "bin"
	// AgentImageBinary is the agent's path inside the agent image.
	AgentImageBinary = agentapi.ImageBinary
	// AgentBinary is the agent's path inside every wrapped container.
	AgentBinary = agentapi.Binary
)

// injectAgent copies the agent into an emptyDir with an init container and
// rewrites each target container's command to run through it.
func injectAgent(e *editor) bool {
	a := e.spec.Agent
	if a == nil {
		return false
	}
	limit := smallDirLimit
	e.ensureVolume(corev1.Volume{Name: AgentVolume, VolumeSource: corev1.VolumeSource{EmptyDir: &corev1.EmptyDirVolumeSource{SizeLimit: &limit}}}, annotations.Agent)
	e.ensureInitContainer(initContainer(InstallContainer, e.opts.AgentImage,
		[]string{AgentImageBinary, agentapi.CommandInstall, agentapi.BinDir}, nil,
		[]corev1.VolumeMount{{Name: AgentVolume, MountPath: agentapi.BinDir}},
		installResources))
	e.ensureMount(corev1.VolumeMount{Name: AgentVolume, MountPath: agentapi.BinDir, ReadOnly: true}, annotations.Agent)
	prefix := agentCommand(e.in, e.spec)
	for _, ci := range e.targets {
		c := &e.in.Spec.Containers[ci]
		command := c.Command
		fromImage := false
		if len(command) == 0 {
			entrypoint, ok := e.opts.Entrypoints.Lookup(c.Image)
			if !ok {
				e.errs = append(e.errs, field.Required(containersPath.Index(ci).Child("command"),
					fmt.Sprintf("container %q has no command, so %s cannot wrap it: its image's entrypoint is unknown at admission; set command, or ask the cluster admin to add image %q to the webhook's entrypoint map (STAGEHAND_ENTRYPOINTS)",
						c.Name, annotations.Agent, c.Image)))
				continue
			}
			command, fromImage = entrypoint, true
		}
		c.Command = slices.Concat(prefix, command)
		e.status.Wrapped = append(e.status.Wrapped, c.Name)
		if fromImage {
			e.status.Entrypoint = append(e.status.Entrypoint, c.Name)
		}
	}
	return true
}

// agentCommand is the wrapper put before each task's command.
func agentCommand(pod *Input, spec *annotations.Spec) []string {
	cmd := []string{AgentBinary, agentapi.CommandRun}
	if spec.Agent.TaskTimeout > 0 {
		cmd = append(cmd, "--"+agentapi.FlagTimeout, spec.Agent.TaskTimeout.String())
	}
	if g := agentGrace(pod); g != "" {
		cmd = append(cmd, "--"+agentapi.FlagGrace, g)
	}
	if spec.Deps != nil {
		cmd = append(cmd, "--"+agentapi.FlagManifest, ManifestPath(spec.Deps))
	}
	return append(cmd, "--")
}

// agentGrace keeps the agent's own grace period inside the pod's, so that
// the agent can still kill the task's process group and write its
// termination message before the kubelet kills the container. The agent's
// default (10s) fits the pod's default of 30s.
func agentGrace(pod *Input) string {
	const agentDefaultGrace = 10
	g := pod.Spec.TerminationGracePeriodSeconds
	if g == nil || *g >= agentDefaultGrace+2 {
		return ""
	}
	return strconv.FormatInt(max(1, *g*3/4), 10) + "s"
}

// unwrap restores the commands an earlier injection wrapped.
func (e *editor) unwrap() {
	for i := range e.in.Spec.Containers {
		c := &e.in.Spec.Containers[i]
		if !slices.Contains(e.previous.Wrapped, c.Name) || len(c.Command) == 0 || c.Command[0] != AgentBinary {
			continue
		}
		sep := slices.Index(c.Command, "--")
		if sep < 0 {
			continue
		}
		c.Command = slices.Clone(c.Command[sep+1:])
		if slices.Contains(e.previous.Entrypoint, c.Name) {
			c.Command = nil
		}
	}
}
