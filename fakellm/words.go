package fakellm

import "math/rand/v2"

// words make up replies. A token is one word plus a space, close to the
// average size of a real model's token for English text (about 4 bytes).
var words = []string{
	"the", "chart", "shows", "a", "steady", "rise", "in", "orders", "over",
	"last", "quarter", "with", "peak", "near", "end", "of", "month", "and",
	"small", "dip", "after", "holiday", "sales", "region", "north", "grew",
	"faster", "than", "south", "data", "suggests", "demand", "is", "strong",
	"revenue", "per", "user", "stayed", "flat", "while", "costs", "fell",
}

// token returns the i-th token of a reply.
func token(rng *rand.Rand, i int) string {
	w := words[rng.IntN(len(words))]
	if i == 0 {
		return w
	}
	return " " + w
}
