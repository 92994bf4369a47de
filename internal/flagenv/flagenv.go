// Package flagenv lets every flag of a command also be set from the
// environment: --run-timeout from PREFIX_RUN_TIMEOUT, and so on.
package flagenv

import (
	"flag"
	"fmt"
	"os"
	"strings"
)

// Defaults sets each flag of fs from prefix+NAME (upper case, dashes as
// underscores) when that variable is set. Call it before fs.Parse, so that
// the command line wins. A bad value is an error naming the variable.
func Defaults(fs *flag.FlagSet, prefix string) error {
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := Name(prefix, f.Name)
		if v, ok := os.LookupEnv(name); ok && err == nil {
			if e := fs.Set(f.Name, v); e != nil {
				err = fmt.Errorf("%s=%q: %w", name, v, e)
			}
		}
	})
	return err
}

// Name is the variable that sets flag name.
func Name(prefix, name string) string {
	return prefix + strings.ToUpper(strings.ReplaceAll(name, "-", "_"))
}
