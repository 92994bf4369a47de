package demo

import (
	"bytes"
	_ "embed"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

//go:embed data/sales.csv
var salesCSV []byte

// sale is one row of the sample dataset: a month's sales of one product in
// one region through one channel.
type sale struct {
	Date     time.Time // first day of the month
	Region   string
	Product  string
	Category string
	Channel  string
	Units    float64
	Revenue  float64
	Cost     float64
}

// dataset is the parsed sample data plus the distinct values of each text
// column, used to validate filters and to tell the model what exists.
type dataset struct {
	rows       []sale
	regions    []string
	products   []string
	categories []string
	channels   []string
}

// salesData parses the embedded CSV once, on first use.
var salesData = sync.OnceValues(func() (*dataset, error) {
	return parseSales(salesCSV)
})

var salesHeader = []string{"date", "region", "product", "category", "channel", "units", "revenue", "cost"}

func parseSales(b []byte) (*dataset, error) {
	r := csv.NewReader(bytes.NewReader(b))
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("sales data: reading header: %w", err)
	}
	if !slices.Equal(header, salesHeader) {
		return nil, fmt.Errorf("sales data: header is %v, want %v", header, salesHeader)
	}
	ds := &dataset{}
	for line := 2; ; line++ {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("sales data: line %d: %w", line, err)
		}
		s, err := parseSale(rec)
		if err != nil {
			return nil, fmt.Errorf("sales data: line %d: %w", line, err)
		}
		ds.rows = append(ds.rows, s)
	}
	ds.regions = distinct(ds.rows, func(s sale) string { return s.Region })
	ds.products = distinct(ds.rows, func(s sale) string { return s.Product })
	ds.categories = distinct(ds.rows, func(s sale) string { return s.Category })
	ds.channels = distinct(ds.rows, func(s sale) string { return s.Channel })
	return ds, nil
}

func parseSale(rec []string) (sale, error) {
	d, err := time.Parse(time.DateOnly, rec[0])
	if err != nil {
		return sale{}, fmt.Errorf("date: %w", err)
	}
	var nums [3]float64
	for i, col := range rec[5:8] {
		if nums[i], err = strconv.ParseFloat(col, 64); err != nil {
			return sale{}, fmt.Errorf("%s: %w", salesHeader[5+i], err)
		}
	}
	return sale{
		Date: d, Region: rec[1], Product: rec[2], Category: rec[3], Channel: rec[4],
		Units: nums[0], Revenue: nums[1], Cost: nums[2],
	}, nil
}

func distinct(rows []sale, key func(sale) string) []string {
	var out []string
	for _, s := range rows {
		if k := key(s); !slices.Contains(out, k) {
			out = append(out, k)
		}
	}
	slices.Sort(out)
	return out
}

// canonical returns the dataset's spelling of v, matched case-insensitively,
// so the model may write "north" for "North".
func canonical(v string, values []string) (string, bool) {
	for _, x := range values {
		if strings.EqualFold(strings.TrimSpace(v), x) {
			return x, true
		}
	}
	return "", false
}
