package web

import (
	"net/http"

	"github.com/consign/consign/app2app"
)

type addressBookEntry struct {
	Membership   string                   `json:"membership"`
	Destinations []addressBookDestination `json:"destinations"`
	// OrganizationUnvouched is an addition to API.md's shape, present
	// (true) only for a member flagged so in the registry.
	OrganizationUnvouched bool `json:"organization_unvouched,omitempty"`
}

type addressBookDestination struct {
	URI  string `json:"uri"`
	Name string `json:"name"`
}

// handleAddressBook serves GET /addressbook and GET /api/v1/addressbook:
// every member of the environment with its published destinations, read
// from the registry.
func (s *Server) handleAddressBook(svc *app2app.Service) {
	h := func(w http.ResponseWriter, r *http.Request) {
		ab, err := svc.AddressBook(r.Context())
		if err != nil {
			Error(w, r, err)
			return
		}
		out := make([]addressBookEntry, len(ab))
		for i, e := range ab {
			out[i] = addressBookEntry{Membership: e.Membership, Destinations: make([]addressBookDestination, len(e.Destinations)),
				OrganizationUnvouched: e.OrganizationUnvouched}
			for j, d := range e.Destinations {
				out[i].Destinations[j] = addressBookDestination{URI: d.URI.String(), Name: d.Name}
			}
		}
		WriteJSON(w, http.StatusOK, out)
	}
	s.HandleFunc("GET /addressbook", h)
	s.HandleFunc("GET /api/v1/addressbook", h)
}
