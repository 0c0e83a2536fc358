package inject

import (
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/annotations"
)

// The keys of the agent injection.
const (
	// Agent set to "true" wraps each target container's command with the
	// stagehand agent, which supervises the task.
	Agent = annotations.Prefix + "agent"
	// TaskTimeout bounds the task's run time under the agent.
	TaskTimeout = annotations.Prefix + "task-timeout"
)

// Names and paths of what the agent injection adds.
const (
	PartAgent = "agent"
	// AgentImageBinary is the agent's path inside the agent image.
	AgentImageBinary = agentapi.ImageBinary
	// AgentBinary is the agent's path inside every wrapped container.
	AgentBinary = agentapi.Binary
)

// AgentSpec describes the agent wrapping of the target containers.
type AgentSpec struct {
	// TaskTimeout is zero for no limit.
	TaskTimeout time.Duration `json:"taskTimeout,omitempty"`
}

// agent has the init container install the agent into the emptyDir, and
// rewrites each target container's command to run through it.
var _ = register(&injection[AgentSpec]{
	About: About{
		Part: PartAgent, Field: "agent", Rank: 60,
		Keys: []annotations.Key{
			{Name: Agent, Description: "Wraps each target container's command as `" + agentapi.Binary + " " + agentapi.CommandRun + " [flags] -- <command...>`; `args` stay as they are. A container without `command` is denied unless its image is in the webhook's entrypoint map (`STAGEHAND_ENTRYPOINTS`).",
				Default: `"false"`, Valid: `"true" or "false"`, Validate: annotations.ValidateBool},
			{Name: TaskTimeout, Description: "Time limit of the task under the agent: then it is sent SIGTERM, and SIGKILL after the grace period; the agent exits 124.",
				Default: "none", Valid: "a positive Go duration, such as 45m or 2h", Validate: annotations.DurationValidator(time.Nanosecond, 0)},
		},
		Asks: []string{Agent}, AskedAs: Agent + `: "true"`,
		Owns: Owned{
			Volumes:        []string{DataVolume},
			InitContainers: []string{InitContainer},
			WrapsCommands:  true,
		},
		Guard: Guard{Asked: celIsTrue(Agent), Volumes: []GuardVolume{{Name: DataVolume}}, CommandPrefix: AgentBinary},
	},
	parse: func(p *parser) *AgentSpec {
		if p.anns[Agent] != "true" {
			return nil
		}
		a := &AgentSpec{}
		if v, ok := p.value(TaskTimeout); ok {
			a.TaskTimeout, _ = time.ParseDuration(v)
		}
		return a
	},
	apply: func(e *editor, a *AgentSpec) {
		e.useData(smallDirLimit(), Agent)
		e.addInitStep(initStep{args: []string{"--" + agentapi.FlagInstall}, res: resources("10m", "16Mi", "100m", "64Mi")})
		e.ensureMount(dataMount(agentapi.BinDir, agentapi.BinDir, true), Agent)
		e.wrapCommands(agentCommand(e.in, a))
	},
	mounts: func(*Spec, *AgentSpec) []mountPoint {
		return []mountPoint{{key: Agent, path: agentapi.BinDir, fixed: true}}
	},
	describe: func(pod *Input) []string {
		var out []string
		for _, c := range pod.Spec.Containers {
			if len(c.Command) > 0 && c.Command[0] == AgentBinary {
				out = append(out, fmt.Sprintf("%s runs: %s", c.Name, strings.Join(c.Command, " ")))
			}
		}
		return out
	},
})

// wrapCommands puts prefix before each target container's command, or
// before its image's entrypoint from the webhook's map.
func (e *editor) wrapCommands(prefix []string) {
	for _, ci := range e.targets {
		c := &e.in.Spec.Containers[ci]
		command := c.Command
		fromImage := false
		if len(command) == 0 {
			entrypoint, ok := e.opts.Entrypoints.Lookup(c.Image)
			if !ok {
				e.errs = append(e.errs, noCommand(ci, c))
				e.noCommand++
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
}

// agentCommand is the wrapper put before each task's command. It does not
// ask the agent to check the fetch manifest (agent run --manifest), as
// webhooks before one init container did: the init container that fetches
// has succeeded before any target container starts.
func agentCommand(pod *Input, a *AgentSpec) []string {
	cmd := []string{AgentBinary, agentapi.CommandRun}
	if a.TaskTimeout > 0 {
		cmd = append(cmd, "--"+agentapi.FlagTimeout+"="+flagDuration(a.TaskTimeout))
	}
	if g := agentGrace(pod); g != "" {
		cmd = append(cmd, "--"+agentapi.FlagGrace+"="+g)
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

// noCommand is the error of target container ci, which has no command of
// its own and an image outside the entrypoint map: the agent cannot wrap
// it.
func noCommand(ci int, c *Container) *field.Error {
	return field.Required(containersPath.Index(ci).Child("command"),
		fmt.Sprintf("container %q has no command, so %s cannot wrap it: its image's entrypoint is unknown at admission; set command, or ask the cluster admin to add image %q to the webhook's entrypoint map (STAGEHAND_ENTRYPOINTS)",
			c.Name, Agent, c.Image))
}

// unwrappable lists, for a pod whose annotations were refused, the target
// containers the agent could not wrap either, so that one denial names
// every problem rather than this one only after the annotations are fixed.
func (in *Injector) unwrappable(pod *Input, spec *Spec) field.ErrorList {
	if requestOf[AgentSpec](spec) == nil {
		return nil
	}
	var errs field.ErrorList
	for _, ci := range targetIndices(pod, spec.Containers) {
		c := &pod.Spec.Containers[ci]
		if len(c.Command) > 0 {
			continue
		}
		if _, ok := in.opts.Entrypoints.Lookup(c.Image); !ok {
			errs = append(errs, noCommand(ci, c))
		}
	}
	return errs
}
