// Package docs checks that field comments are carried onto the getters.
package docs

//go:generate go tool sessiongen -type=Cart

// Cart is a shopping cart.
type Cart struct {
	// Items are the SKUs in the cart, in the order they were added.
	// The same SKU may appear more than once.
	Items  []string `session:"items"`
	Coupon string   // a code entered at checkout; empty if none
	Total  int64
}
