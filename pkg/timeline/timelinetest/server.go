package timelinetest

import (
	"encoding/json"
	"io"
	"mime"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stagehand-k8s/stagehand/pkg/timeline"
)

// Failure makes the server misbehave until it is replaced. The zero value
// is a healthy server.
type Failure struct {
	// Status, when not zero, answers every request with it.
	Status int
	// Reset resets every connection without an answer.
	Reset bool
	// Hang never answers: requests wait until the client gives up or the
	// server is closed.
	Hang bool
	// Delay answers (normally) after this long.
	Delay time.Duration
	// LoseAnswer stores what it receives, then resets the connection
	// instead of answering, as when an answer is lost on the way: the
	// client retries and sends duplicates.
	LoseAnswer bool
}

// Options configure a Server.
type Options struct {
	// Secret is the server's ATS_SECRET_KEY. Empty means a server without
	// security, which accepts everything.
	Secret string
	// AcceptSimple accepts ?user.name=<non-empty> in place of a token.
	AcceptSimple bool
}

// Server is a Timeline Server for tests, listening on 127.0.0.1.
type Server struct {
	// URL is the base URL, such as http://127.0.0.1:41234.
	URL string

	opts Options
	srv  *httptest.Server
	stop chan struct{}
	once sync.Once

	mu       sync.Mutex
	failure  Failure
	rejects  map[string]*reject
	store    map[[2]string]*timeline.Entity
	order    [][2]string
	bodies   [][]byte
	requests int
	rejected int
	events   int
}

type reject struct {
	code  timeline.ErrorCode
	times int
}

// New starts a server that is closed when the test ends.
func New(t testing.TB, opts Options) *Server {
	t.Helper()
	s := &Server{opts: opts, stop: make(chan struct{}), rejects: map[string]*reject{},
		store: map[[2]string]*timeline.Entity{}}
	s.srv = httptest.NewServer(http.HandlerFunc(s.serveHTTP))
	s.URL = s.srv.URL
	t.Cleanup(s.Close)
	return s
}

// Close stops the server, releasing hanging requests first.
func (s *Server) Close() {
	s.once.Do(func() {
		close(s.stop)
		s.srv.CloseClientConnections()
		s.srv.Close()
	})
}

// SetFailure makes the server misbehave; SetFailure(Failure{}) heals it.
func (s *Server) SetFailure(f Failure) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failure = f
}

// RejectEntity answers the next times posts of the entity with code (in
// the errors list of a 200 answer), without storing it. times <= 0 means
// always.
func (s *Server) RejectEntity(id string, code timeline.ErrorCode, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejects[id] = &reject{code: code, times: times}
}

// Entities returns copies of the stored entities in the order they first
// arrived, their events in the order they arrived.
func (s *Server) Entities() []timeline.Entity {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]timeline.Entity, 0, len(s.order))
	for _, k := range s.order {
		out = append(out, copyEntity(s.store[k]))
	}
	return out
}

// Entity returns a copy of one stored entity of type STAGEHAND_TASK.
func (s *Server) Entity(id string) (timeline.Entity, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	e, ok := s.store[[2]string{timeline.EntityType, id}]
	if !ok {
		return timeline.Entity{}, false
	}
	return copyEntity(e), true
}

// Bodies returns the bodies of every authenticated POST, as received.
func (s *Server) Bodies() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
}

// Stats returns the number of requests seen, of requests refused with 403,
// and of events received in accepted posts (duplicates included).
func (s *Server) Stats() (requests, rejected, events int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.requests, s.rejected, s.events
}

func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.requests++
	f := s.failure
	s.mu.Unlock()
	switch {
	case f.Hang:
		select {
		case <-r.Context().Done():
		case <-s.stop:
		}
		return
	case f.Reset:
		resetConnection(w)
		return
	case f.Status != 0:
		http.Error(w, `{"exception":"injected failure"}`, f.Status)
		return
	case f.Delay > 0:
		select {
		case <-time.After(f.Delay):
		case <-r.Context().Done():
			return
		case <-s.stop:
			return
		}
	}
	if !strings.HasPrefix(r.URL.Path, "/ws/v1/timeline") {
		http.NotFound(w, r)
		return
	}
	if !s.authenticated(r) {
		s.mu.Lock()
		s.rejected++
		s.mu.Unlock()
		writeJSON(w, http.StatusForbidden, map[string]any{"RemoteException": map[string]string{
			"exception": "AuthenticationException", "message": "Authentication required"}})
		return
	}
	switch {
	case r.Method == http.MethodPost && strings.TrimSuffix(r.URL.Path, "/") == "/ws/v1/timeline":
		if f.LoseAnswer {
			s.put(httptest.NewRecorder(), r)
			resetConnection(w)
			return
		}
		s.put(w, r)
	case r.Method == http.MethodGet:
		s.get(w, r)
	default:
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

func (s *Server) authenticated(r *http.Request) bool {
	if s.opts.Secret == "" {
		return true
	}
	if token := r.Header.Get(timeline.TokenHeader); token != "" {
		return verifyToken(token, s.opts.Secret) == nil
	}
	return s.opts.AcceptSimple && r.URL.Query().Get("user.name") != ""
}

func (s *Server) put(w http.ResponseWriter, r *http.Request) {
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); mt != "application/json" {
		http.Error(w, "unsupported media type", http.StatusUnsupportedMediaType)
		return
	}
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return
	}
	var in timeline.Entities
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, "bad JSON: "+err.Error(), http.StatusBadRequest)
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	s.bodies = append(s.bodies, body)
	resp := timeline.PutResponse{Errors: []timeline.PutError{}}
	for _, e := range in.Entities {
		s.events += len(e.Events)
		if rej := s.rejects[e.ID]; rej != nil {
			resp.Errors = append(resp.Errors, timeline.PutError{EntityID: e.ID, EntityType: e.Type, Code: rej.code})
			if rej.times > 0 {
				if rej.times--; rej.times == 0 {
					delete(s.rejects, e.ID)
				}
			}
			continue
		}
		if e.StartTime == 0 && s.store[[2]string{e.Type, e.ID}] == nil {
			resp.Errors = append(resp.Errors, timeline.PutError{EntityID: e.ID, EntityType: e.Type, Code: timeline.CodeNoStartTime})
			continue
		}
		s.merge(e)
	}
	writeJSON(w, http.StatusOK, resp)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// resetConnection closes the connection with a TCP RST.
func resetConnection(w http.ResponseWriter) {
	hj, ok := w.(http.Hijacker)
	if !ok {
		return
	}
	conn, _, err := hj.Hijack()
	if err != nil {
		return
	}
	if tcp, ok := conn.(*net.TCPConn); ok {
		_ = tcp.SetLinger(0)
	}
	_ = conn.Close()
}
