package demo

import (
	"regexp"
	"strings"
)

// Reading the user's words. Every pattern is matched on the lower-cased
// message, so each is lower case and matches whole words.

// toolUse is a fragment that only tells the model which tool to use, such
// as ", use manage_todos"; it is cut before the words are read for titles.
var toolUse = regexp.MustCompile(`(?i)[,;.]?\s*(?:and\s+|then\s+)?(?:please\s+)?(?:use|using|with|via|call|calling|through)\s+(?:the\s+)?` +
	`(?:query_data|plan_visualization|manage_todos|get_todos|generate_form|barchart|piechart|widgetrenderer|shownotice)(?:\s+tool)?\b`)

// toolName is a message that is only a tool's name.
var toolName = regexp.MustCompile(`(?i)^(query_data|plan_visualization|manage_todos|get_todos|generate_form|barchart|piechart|widgetrenderer|shownotice)$`)

// What the user wants, in the order they are tried: a form or a todo list
// named anywhere wins over the data words the same message may hold.
var (
	formWords   = regexp.MustCompile(`\b(sign[ -]?in|log[ -]?in|sign[ -]?up|register|registration|forms?|generate_form)\b`)
	todoWords   = regexp.MustCompile(`\b(todos?|to-dos?|to do list|my list|tasks?|checklist|manage_todos|get_todos|remind me)\b`)
	markWords   = regexp.MustCompile(`\b(mark|check off|tick off)\b.*\b(done|complete|completed|finished|in progress)\b`)
	changeWords = regexp.MustCompile(`^\W*(remove|delete|drop|complete|finish|start|begin)\b`)
	noticeWords = regexp.MustCompile(`\b(notices?|notify|notification|shownotice|banner)\b`)
	planWords   = regexp.MustCompile(`\b(plan|planning|plan_visualization)\b|\bhow (should|would|could|do|can) (i|we|you) (visuali[sz]e|chart|show|present|plot)\b|\b(which|what) (kind of |type of )?(chart|graph|visuali[sz]ation)\b`)
	drawWords   = regexp.MustCompile(`\b(draw|render|charts?|graphs?|plot|visuali[sz]\w*|barchart|piechart|widgetrenderer|widgets?|pie|bars?|donut|diagram|dashboard|html|interactive)\b`)
	// doDraw asks for the drawing itself, beyond a plan of it.
	doDraw    = regexp.MustCompile(`\b(draw|render|barchart|piechart|widgetrenderer|draw it|(then|and) (show|draw|display|render) it)\b`)
	dataWords = regexp.MustCompile(`\b(query_data|data|numbers|figures|how much|how many|total|sum|top|best|worst|compare|breakdown|share)\b`)

	pieWords    = regexp.MustCompile(`\b(pie|piechart|donut|doughnut)\b`)
	barWords    = regexp.MustCompile(`\b(bars?|barchart|column chart|histogram)\b`)
	widgetWords = regexp.MustCompile(`\b(widgets?|widgetrenderer|html)\b`)
	greetWords  = regexp.MustCompile(`^\W*(hi|hello|hey|hallo|good (morning|afternoon|evening)|greetings)\b`)
)

// metricWords map words to query_data metrics; the earliest in the
// message wins.
var metricWords = []struct {
	re     *regexp.Regexp
	metric string
}{
	{regexp.MustCompile(`\b(profits?|margins?|profitab\w*|earnings)\b`), "profit"},
	{regexp.MustCompile(`\b(units?|volumes?|quantity|quantities)\b`), "units"},
	{regexp.MustCompile(`\b(costs?|spend|spending|expenses?)\b`), "cost"},
	{regexp.MustCompile(`\b(revenues?|sales|income|turnover)\b`), "revenue"},
}

// dimensionWords map words to query_data's group_by values.
var dimensionWords = []struct {
	re  *regexp.Regexp
	dim string
}{
	{regexp.MustCompile(`\bregion(s|al)?\b`), "region"},
	{regexp.MustCompile(`\bproducts?\b`), "product"},
	{regexp.MustCompile(`\bcategor(y|ies)\b`), "category"},
	{regexp.MustCompile(`\bchannels?\b`), "channel"},
	{regexp.MustCompile(`\b(months?|monthly|over time|trends?)\b`), "month"},
	{regexp.MustCompile(`\b(quarters?|quarterly)\b`), "quarter"},
}

// byDimension is a dimension named right after "by", "per" or "each",
// which beats one named elsewhere: "profit of each product by region".
var byDimension = regexp.MustCompile(`\b(?:by|per|each|across)\s+(?:the\s+)?(region|product|categor|channel|month|quarter)`)

func metricOf(s string) string {
	best, at := "", len(s)+1
	for _, w := range metricWords {
		if loc := w.re.FindStringIndex(s); loc != nil && loc[0] < at {
			best, at = w.metric, loc[0]
		}
	}
	return best
}

func dimensionOf(s string) string {
	if m := byDimension.FindStringSubmatch(s); m != nil {
		for _, d := range dimensionWords {
			if strings.HasPrefix(d.dim, m[1]) {
				return d.dim
			}
		}
	}
	best, at := "", len(s)+1
	for _, d := range dimensionWords {
		if loc := d.re.FindStringIndex(s); loc != nil && loc[0] < at {
			best, at = d.dim, loc[0]
		}
	}
	return best
}

var numberWords = map[string]int{"one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10}

const (
	num     = `(\d{1,3}|one|two|three|four|five|six|seven|eight|nine|ten)`
	highest = `(?:top|best|highest|largest|biggest)`
	lowestW = `(?:bottom|worst|lowest|smallest|least)`
)

var (
	topN    = regexp.MustCompile(`\b` + highest + `\s+` + num + `\b|\b` + num + `\s+` + highest + `\b`)
	bottomN = regexp.MustCompile(`\b` + lowestW + `\s+` + num + `\b|\b` + num + `\s+` + lowestW + `\b`)
	lowest  = regexp.MustCompile(`\b` + lowestW + `\b`)
)

// orderOf reads "top 3" or "the 2 worst": the sort and the row limit.
func orderOf(s string) (sort string, limit int) {
	if m := topN.FindStringSubmatch(s); m != nil {
		return "value_desc", count(m[1] + m[2])
	}
	if m := bottomN.FindStringSubmatch(s); m != nil {
		return "value_asc", count(m[1] + m[2])
	}
	if lowest.MatchString(s) {
		return "value_asc", 0
	}
	return "", 0
}

func count(w string) int {
	if n, ok := numberWords[w]; ok {
		return n
	}
	n := 0
	for _, r := range w {
		n = n*10 + int(r-'0')
	}
	return min(max(n, 1), 100)
}

// Months and quarters, for the from/to filters.
var (
	quarterWord = regexp.MustCompile(`\bq([1-4])\b`)
	halfWord    = regexp.MustCompile(`\b(h1|h2|first half|second half)\b`)
	monthWord   = regexp.MustCompile(`\b(jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|(?:in|of|for|during|since|until|through|to) may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)\b`)
	monthNames  = []string{"jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"}
)

// monthsOf returns the first and last month (1-12) the words name, or 0, 0.
func monthsOf(s string) (from, to int) {
	add := func(a, b int) {
		if from == 0 || a < from {
			from = a
		}
		if b > to {
			to = b
		}
	}
	for _, m := range quarterWord.FindAllStringSubmatch(s, -1) {
		q := int(m[1][0] - '0')
		add(3*q-2, 3*q)
	}
	for _, m := range halfWord.FindAllString(s, -1) {
		if m == "h1" || m == "first half" {
			add(1, 6)
		} else {
			add(7, 12)
		}
	}
	for _, m := range monthWord.FindAllString(s, -1) {
		m = m[strings.LastIndex(m, " ")+1:]
		for i, name := range monthNames {
			if strings.HasPrefix(m, name) {
				add(i+1, i+1)
			}
		}
	}
	return from, to
}

// mentions reports whether s names value as whole words.
func mentions(s, value string) bool {
	re, err := regexp.Compile(`\b` + regexp.QuoteMeta(strings.ToLower(value)) + `\b`)
	return err == nil && re.MatchString(s)
}

// sentence gives s an upper-case first letter and no trailing punctuation.
func sentence(s string) string {
	s = strings.TrimSpace(strings.TrimRight(strings.TrimSpace(s), ".!?,;:"))
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
