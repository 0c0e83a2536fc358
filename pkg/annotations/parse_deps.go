package annotations

import (
	"fmt"
	"strconv"
	"time"

	"k8s.io/apimachinery/pkg/api/resource"
	"k8s.io/apimachinery/pkg/util/validation/field"

	"github.com/stagehand-k8s/stagehand/pkg/agentapi"
	"github.com/stagehand-k8s/stagehand/pkg/egress"
)

// dependencies builds the dependency spec: every URI parsed with the
// fetcher's own rules, names unique across jars, files and archives, hosts
// allowed.
func (p parser) dependencies(opts Options, errs field.ErrorList) (*DepsSpec, []string, field.ErrorList) {
	if !p.has(Jars) && !p.has(Files) && !p.has(Archives) {
		return nil, nil, errs
	}
	var warnings []string
	d := &DepsSpec{
		JarsDir: DefaultJarsDir, FilesDir: DefaultFilesDir, SizeLimit: DefaultDepsSizeLimit,
		FetchTimeout: DefaultFetchTimeout, Parallelism: DefaultFetchParallelism,
		CAConfigMap: p.anns[DependenciesCAConfigMap], AuthSecret: p.anns[DependenciesAuthSecret],
	}
	p.set(JarsDir, &d.JarsDir)
	p.set(FilesDir, &d.FilesDir)
	if v, ok := p.anns[DepsSizeLimit]; ok && !p.invalid[DepsSizeLimit] {
		q := resource.MustParse(v)
		d.SizeLimit = q.String()
	}
	if v, ok := p.anns[FetchTimeout]; ok && !p.invalid[FetchTimeout] {
		d.FetchTimeout, _ = time.ParseDuration(v)
	}
	if v, ok := p.anns[FetchParallelism]; ok && !p.invalid[FetchParallelism] {
		d.Parallelism, _ = strconv.Atoi(v)
	}
	seen := map[string]string{} // name -> key that named it first
	for _, group := range []struct {
		key, kind, dir string
		into           *[]string
	}{
		{Jars, agentapi.KindJar, d.JarsDir, &d.Jars},
		{Files, agentapi.KindFile, d.FilesDir, &d.Files},
		{Archives, agentapi.KindArchive, d.FilesDir, &d.Archives},
	} {
		v, ok := p.anns[group.key]
		if !ok {
			continue
		}
		raws, deps, msgs := parseURIs(group.kind, group.dir, v)
		if len(msgs) > 0 {
			p.invalid[group.key] = true
			errs = append(errs, invalidValue(registryIndex[group.key], v, msgs))
			continue
		}
		*group.into = raws
		for _, dep := range deps {
			if dep.Credentials {
				warnings = append(warnings, fmt.Sprintf("%s: %s carries credentials or a query string, which reach the fetch container as written; prefer %s",
					KeyPath(group.key), dep.Redacted, DependenciesAuthSecret))
			}
			if first, dup := seen[dep.Name]; dup {
				errs = append(errs, field.Invalid(KeyPath(group.key), dep.Redacted,
					fmt.Sprintf("base name %q is also used by a dependency in %s; dependency names must be unique", dep.Name, first)))
			}
			seen[dep.Name] = group.key
			if first, clash := seen[dep.Path]; clash && !dep.Local {
				errs = append(errs, field.Invalid(KeyPath(group.key), dep.Redacted,
					fmt.Sprintf("would be placed at %s, where a dependency in %s goes already", dep.Path, first)))
			}
			seen[dep.Path] = group.key
			if msg := hostProblem(dep, opts.AllowedHosts); msg != "" {
				errs = append(errs, field.Invalid(KeyPath(group.key), dep.Redacted, msg))
			}
			if group.kind == agentapi.KindJar {
				d.Classpath = append(d.Classpath, dep.Path)
			}
		}
	}
	return d, warnings, errs
}

func (p parser) set(key string, into *string) {
	if v, ok := p.anns[key]; ok && !p.invalid[key] {
		*into = v
	}
}

func (p parser) agent() *AgentSpec {
	if p.anns[Agent] != "true" {
		return nil
	}
	a := &AgentSpec{}
	if v, ok := p.anns[TaskTimeout]; ok && !p.invalid[TaskTimeout] {
		a.TaskTimeout, _ = time.ParseDuration(v)
	}
	return a
}

// hostProblem says why a dependency's host may not be fetched from, or "":
// the names and addresses of cloud metadata services and the like are
// never allowed (see package egress); with an allowlist, only matching
// hosts are.
func hostProblem(dep agentapi.Dependency, allowed []string) string {
	if dep.Local {
		return ""
	}
	if err := (egress.Policy{AllowedHosts: allowed}).CheckHost(dep.Host); err != nil {
		return err.Error()
	}
	return ""
}
