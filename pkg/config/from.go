package config

import (
	"reflect"
)

// LoadInjectionFrom reads the settings that shape injection as `webhook
// serve` reads them in a container that is not this process: args are the
// arguments after `serve` (any flag of serve is accepted; only the
// injection settings are parsed), lookup gives the container's environment
// variables, as os.LookupEnv would there, and readFile reads the files a
// setting names (the entrypoint map), as os.ReadFile would there. Nothing of
// this process's environment or files is read. The settings, their
// defaults and their parsers are those of LoadInjection; every invalid
// setting is reported at once in an *InvalidError.
func LoadInjectionFrom(args []string, lookup func(string) (string, bool), readFile func(string) ([]byte, error)) (Webhook, error) {
	e := defaultEnv()
	for _, s := range settings(&e, readFile) {
		if !s.injection {
			continue
		}
		if v, ok := lookup(s.env); ok {
			*s.raw = v // set but empty stays empty, as envconfig reads it
		}
	}
	return load(source{command: "serve", args: args, env: e, keep: isInjection, everyFlag: true, lookup: lookup, readFile: readFile})
}

// defaultEnv is every setting at its default, as envconfig leaves a
// setting whose variable is unset: the default tag of its field.
func defaultEnv() env {
	var e env
	v := reflect.ValueOf(&e).Elem()
	for i := range v.NumField() {
		v.Field(i).SetString(v.Type().Field(i).Tag.Get("default"))
	}
	return e
}
