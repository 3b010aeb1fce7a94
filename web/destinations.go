package web

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/consign/consign/app2app"
	"github.com/consign/consign/crypto"
)

// destinationJSON is a destination as the API shows it. A managed one has
// its certificate; an externally managed one its required_cn, and its
// certificate once published.
type destinationJSON struct {
	Name        string  `json:"name"`
	URI         string  `json:"uri"`
	Kind        string  `json:"kind"`
	Managed     bool    `json:"managed"`
	Certificate *string `json:"certificate,omitempty"`
	RequiredCN  string  `json:"required_cn,omitempty"`
	// Subject and NotAfter describe the certificate, when there is one.
	Subject  string `json:"certificate_subject,omitempty"`
	NotAfter string `json:"certificate_not_after,omitempty"`
}

func destinationOut(d app2app.Destination, listing bool) destinationJSON {
	out := destinationJSON{Name: d.Name, URI: d.URI.String(), Kind: d.Kind, Managed: d.Managed, RequiredCN: d.RequiredCN}
	if d.Certificate != "" || listing {
		c := d.Certificate
		out.Certificate = &c
	}
	if cert, err := crypto.ParseCertificatePEM([]byte(d.Certificate)); d.Certificate != "" && err == nil {
		out.Subject, out.NotAfter = cert.Subject.String(), cert.NotAfter.UTC().Format(time.RFC3339)
	}
	return out
}

// writeDestination answers a request that created or changed d with d,
// or with err when it failed.
func writeDestination(w http.ResponseWriter, r *http.Request, d app2app.Destination, err error) {
	if err != nil {
		Error(w, r, err)
		return
	}
	WriteJSON(w, http.StatusOK, destinationOut(d, false))
}

// Body limits of the destinations API.
const (
	maxCreateBody = 4 << 10
	maxCertBody   = 32 << 10
)

func (s *Server) handleDestinations(svc *app2app.Service) {
	s.HandleFunc("GET /api/v1/destinations", func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		list, err := svc.Destinations(r.Context(), p.Member)
		if err != nil {
			Error(w, r, err)
			return
		}
		out := make([]destinationJSON, len(list))
		for i, d := range list {
			out[i] = destinationOut(d, true)
		}
		WriteJSON(w, http.StatusOK, out)
	})

	s.HandleFunc("POST /api/v1/destinations", func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		var req struct {
			Name         string `json:"name"`
			Kind         string `json:"kind"`
			External     bool   `json:"external"`
			KeyAlgorithm string `json:"key_algorithm"`
		}
		if err := decodeJSONBody(w, r, maxCreateBody, &req); err != nil {
			Error(w, r, err)
			return
		}
		d, err := svc.CreateDestination(r.Context(), p.Member, app2app.CreateRequest{
			Name: req.Name, Kind: req.Kind, External: req.External, KeyAlgorithm: crypto.KeyAlgorithm(req.KeyAlgorithm)})
		writeDestination(w, r, d, err)
	})

	s.HandleFunc("PUT /api/v1/destinations/{name}/certificate", func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxCertBody))
		if err != nil {
			Error(w, r, bodyError(err, maxCertBody))
			return
		}
		pemText := body
		if ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); ct == "application/json" {
			var v struct {
				Certificate string `json:"certificate"`
			}
			if err := json.Unmarshal(body, &v); err != nil || v.Certificate == "" {
				Error(w, r, fmt.Errorf("%w: a JSON body must be {\"certificate\": \"<PEM>\"}; or send the PEM itself", ErrBadRequest))
				return
			}
			pemText = []byte(v.Certificate)
		}
		d, err := svc.SetCertificate(r.Context(), p.Member, r.PathValue("name"), pemText)
		writeDestination(w, r, d, err)
	})

	s.HandleFunc("DELETE /api/v1/destinations/{name}", func(w http.ResponseWriter, r *http.Request) {
		p, _ := PrincipalFrom(r.Context())
		if err := svc.DeleteDestination(r.Context(), p.Member, r.PathValue("name")); err != nil {
			Error(w, r, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
}

// decodeJSONBody reads a JSON object of at most limit bytes into v.
func decodeJSONBody(w http.ResponseWriter, r *http.Request, limit int64, v any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	if err != nil {
		return bodyError(err, limit)
	}
	if strings.TrimSpace(string(body)) == "" {
		return fmt.Errorf("%w: the body is empty; send a JSON object", ErrBadRequest)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: the body is not the expected JSON object: %v", ErrBadRequest, err)
	}
	return nil
}

func bodyError(err error, limit int64) error {
	var mb *http.MaxBytesError
	if errors.As(err, &mb) {
		return fmt.Errorf("%w: the body exceeds %d bytes", ErrTooLarge, limit)
	}
	return fmt.Errorf("%w: reading the body: %v", ErrBadRequest, err)
}
