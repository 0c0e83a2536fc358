package guard

import (
	"fmt"

	admissionregistrationv1 "k8s.io/api/admissionregistration/v1"
)

// containerChecks are the variables and validations of what the injections
// asked for put in each target container: every command prefix first, then,
// for each reference env var, that it is there and never a literal value.
func containerChecks(ps []part, taken names, who asker) ([]admissionregistrationv1.Validation, []admissionregistrationv1.Variable, error) {
	var (
		vars        []admissionregistrationv1.Variable
		validations []admissionregistrationv1.Validation
	)
	add := func(name, expression, message string) error {
		if err := taken.add(name); err != nil {
			return err
		}
		vars = append(vars, admissionregistrationv1.Variable{Name: name, Expression: expression})
		validations = append(validations, admissionregistrationv1.Validation{Expression: "size(variables." + name + ") == 0", MessageExpression: message})
		return nil
	}
	for _, p := range ps {
		prefix := p.Guard.CommandPrefix
		if prefix == "" {
			continue
		}
		v := "unwrapped_" + p.ident
		err := add(v, fmt.Sprintf(`!%s ? [] :
object.spec.containers.filter(c, c.name in variables.targets &&
  !(has(c.command) && size(c.command) > 0 && c.command[0] == %s)
).map(c, c.name)`, p.asked(), quote(prefix)),
			`'stagehand guard: the command of ' +
`+plural(v, "container ", "containers ")+` + variables.`+v+`.join(', ') +
`+who.says(" no longer starts with "+prefix+" although ", " sets "+p.AskedAs+";")+` +
' another mutating webhook probably changed the pod after stagehand injected it'`)
		if err != nil {
			return nil, nil, fmt.Errorf("injection %q: %w", p.Part, err)
		}
	}
	for _, p := range ps {
		for _, env := range p.Guard.ReferenceEnv {
			missing, literal := "missing_"+snake(env), "literal_"+snake(env)
			err := add(missing, fmt.Sprintf(`!%s ? [] :
object.spec.containers.filter(c, c.name in variables.targets &&
  !(has(c.env) && c.env.exists(e, e.name == %s))
).map(c, c.name)`, p.asked(), quote(env)),
				quote("stagehand guard: "+env+" was removed from ")+` +
`+plural(missing, "container ", "containers ")+` + variables.`+missing+`.join(', ') +
' after stagehand injected it`+blame+`'`)
			if err == nil {
				err = add(literal, fmt.Sprintf(`!%s ? [] :
object.spec.containers.filter(c,
  has(c.env) && c.env.exists(e, e.name == %s && !has(e.valueFrom))
).map(c, c.name)`, p.asked(), quote(env)),
					quote("stagehand guard: "+env+" in ")+` +
`+plural(literal, "container ", "containers ")+` + variables.`+literal+`.join(', ') +
' is not a reference to a Secret or ConfigMap (valueFrom): stagehand never puts its value' +
' in the pod spec. If the pod sets `+env+` itself, remove it: stagehand injects it as a reference;' +
' otherwise another mutating webhook replaced what stagehand injected'`)
			}
			if err != nil {
				return nil, nil, fmt.Errorf("injection %q: %w", p.Part, err)
			}
		}
	}
	return validations, vars, nil
}
