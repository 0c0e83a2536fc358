package timeline

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/redaction"
)

// AuthMode selects how the agent authenticates to the Timeline Server.
type AuthMode string

const (
	// AuthDelegation sends the delegation token derived from
	// ATS_SECRET_KEY (MR3's patch). The default.
	AuthDelegation AuthMode = "delegation"
	// AuthSimple uses Hadoop's simple authentication, ?user.name=<user>,
	// for servers without MR3's patch.
	AuthSimple AuthMode = "simple"
)

// Auth is how to authenticate. Its LogValue and String never show the
// secret.
type Auth struct {
	Mode AuthMode
	// Secret is the ATS_SECRET_KEY value (AuthDelegation). When empty, no
	// token is sent, as for a Timeline Server without security.
	Secret string
	// User is the user name (AuthSimple).
	User string
}

func (a Auth) String() string {
	if a.Mode == AuthSimple {
		return "simple as " + a.User
	}
	return string(a.Mode)
}

// LogValue keeps the secret out of structured logs.
func (a Auth) LogValue() slog.Value {
	return slog.GroupValue(slog.String("mode", string(a.Mode)), slog.String("user", a.User),
		slog.Bool("secretSet", a.Secret != ""))
}

// AuthError is a 401 or 403 answer: the server does not accept who we say
// we are. Retrying cannot help until the configuration changes.
type AuthError struct {
	Mode       AuthMode
	User       string
	StatusCode int
}

func (e *AuthError) Error() string {
	if e.Mode == AuthSimple {
		return fmt.Sprintf("the Timeline Server rejected simple authentication as user %q (HTTP %d)", e.User, e.StatusCode)
	}
	return fmt.Sprintf("the Timeline Server rejected the delegation token derived from ATS_SECRET_KEY: check the secret (HTTP %d)", e.StatusCode)
}

// StatusError is an unexpected HTTP status.
type StatusError struct {
	StatusCode int
	// Body is the start of the answer, with the token and secret removed.
	Body string
}

func (e *StatusError) Error() string {
	return fmt.Sprintf("timeline server answered HTTP %d: %s", e.StatusCode, e.Body)
}

// Retryable reports whether the request may succeed later: 5xx, 408, 429.
func (e *StatusError) Retryable() bool {
	return e.StatusCode >= 500 || e.StatusCode == http.StatusRequestTimeout || e.StatusCode == http.StatusTooManyRequests
}

// TransportError is a failure to get an answer at all: connection refused
// or reset, timeout, a malformed answer. Always retryable.
type TransportError struct{ Err error }

func (e *TransportError) Error() string { return "timeline server unreachable: " + e.Err.Error() }
func (e *TransportError) Unwrap() error { return e.Err }

// Retryable reports whether a failed delivery may succeed later.
func Retryable(err error) bool {
	var authErr *AuthError
	var statusErr *StatusError
	var entityErr *EntityError
	switch {
	case err == nil:
		return false
	case errors.As(err, &authErr):
		return false
	case errors.As(err, &statusErr):
		return statusErr.Retryable()
	case errors.As(err, &entityErr):
		return entityErr.Code.Retryable()
	}
	return true
}

// Client talks to a Timeline Server's v1 REST API.
type Client struct {
	endpoint *url.URL
	auth     Auth
	token    string
	http     *http.Client
}

// NewClient returns a client for the server at baseURL (for example
// http://timeline:8188). hc nil means a client with its own transport and
// a 30s timeout per request.
func NewClient(baseURL string, auth Auth, hc *http.Client) (*Client, error) {
	u, err := url.Parse(strings.TrimSpace(baseURL))
	if err != nil {
		// url.Error quotes the URL as written, credentials and all.
		var quoted *url.Error
		if errors.As(err, &quoted) {
			err = quoted.Err
		}
		return nil, fmt.Errorf("timeline URL %q: %w", redaction.URL(baseURL), err)
	}
	if (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("timeline URL %q: want http:// or https:// and a host", redaction.URL(baseURL))
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/ws/v1/timeline") + "/ws/v1/timeline/"
	u.RawQuery, u.Fragment = "", ""
	switch auth.Mode {
	case "":
		auth.Mode = AuthDelegation
	case AuthDelegation, AuthSimple:
	default:
		return nil, fmt.Errorf("timeline auth mode %q: want %q or %q", auth.Mode, AuthDelegation, AuthSimple)
	}
	if hc == nil {
		transport := http.DefaultTransport.(*http.Transport).Clone()
		hc = &http.Client{Transport: transport, Timeout: 30 * time.Second}
	}
	c := &Client{endpoint: u, auth: auth, http: hc}
	if auth.Mode == AuthDelegation && auth.Secret != "" {
		c.token = DelegationToken(auth.Secret)
	}
	return c, nil
}

// Endpoint is the URL entities are posted to, without credentials.
func (c *Client) Endpoint() string { return redaction.URL(c.endpoint.String()) }

// Put posts entities. A nil error means the server answered 200; the
// response may still reject some entities (PutResponse.EntityErrors).
// Errors are *AuthError, *StatusError or *TransportError.
func (c *Client) Put(ctx context.Context, entities []Entity) (*PutResponse, error) {
	body, err := json.Marshal(Entities{Entities: entities})
	if err != nil {
		return nil, fmt.Errorf("encode entities: %w", err)
	}
	u := *c.endpoint
	if c.auth.Mode == AuthSimple {
		u.RawQuery = url.Values{"user.name": {c.auth.User}}.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set(TokenHeader, c.token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, &TransportError{Err: err}
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, &TransportError{Err: fmt.Errorf("read answer: %w", err)}
	}
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		return nil, &AuthError{Mode: c.auth.Mode, User: c.auth.User, StatusCode: resp.StatusCode}
	case resp.StatusCode != http.StatusOK:
		return nil, &StatusError{StatusCode: resp.StatusCode, Body: c.scrub(data)}
	}
	var out PutResponse
	if len(bytes.TrimSpace(data)) == 0 {
		return &out, nil
	}
	if err := json.Unmarshal(data, &out); err != nil {
		return nil, &TransportError{Err: fmt.Errorf("decode answer: %w", err)}
	}
	return &out, nil
}

// scrub shortens an answer for an error message and removes the token and
// the secret, should a proxy echo the request.
func (c *Client) scrub(data []byte) string {
	s := string(data)
	for _, secret := range []string{c.token, c.auth.Secret} {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 200 {
		s = s[:200] + "..."
	}
	return s
}
