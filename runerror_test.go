package agentd_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/agentd/agentd"
)

// The README's table of RUN_ERROR codes is what clients read; it must name
// exactly the codes agentd emits or stores.
func TestReadmeListsEveryRunErrorCode(t *testing.T) {
	readme, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	start := strings.Index(string(readme), "| code | when |")
	if start < 0 {
		t.Fatal("README has no \"| code | when |\" table")
	}
	var documented []string
	quoted := regexp.MustCompile("`([a-z_]+)`")
	for _, line := range strings.Split(string(readme[start:]), "\n")[2:] {
		if !strings.HasPrefix(line, "|") {
			break
		}
		first := strings.Split(line, "|")[1]
		for _, m := range quoted.FindAllStringSubmatch(first, -1) {
			documented = append(documented, m[1])
		}
	}
	var defined []string
	for _, c := range agentd.RunErrorCodes {
		defined = append(defined, string(c))
	}
	slices.Sort(documented)
	slices.Sort(defined)
	if !slices.Equal(documented, defined) {
		t.Errorf("README codes %v\nconstants    %v", documented, defined)
	}
	if len(slices.Compact(slices.Clone(defined))) != len(defined) {
		t.Errorf("a code is listed twice in RunErrorCodes: %v", defined)
	}
}
