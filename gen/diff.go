package gen

import (
	"fmt"
	"strings"
)

// FirstDifference describes the first line where the file on disk (old)
// and the generated one (want) differ, for -check and the golden tests; ""
// when they are equal.
func FirstDifference(old, want []byte) string {
	a, b := strings.Split(string(old), "\n"), strings.Split(string(want), "\n")
	for i := 0; i < len(a) || i < len(b); i++ {
		var x, y string
		if i < len(a) {
			x = a[i]
		}
		if i < len(b) {
			y = b[i]
		}
		if x != y {
			return fmt.Sprintf("line %d:\n\t-%s\n\t+%s", i+1, x, y)
		}
	}
	return ""
}
