package guest

// Level is a log level understood by the host.
type Level int32

// Log levels, mapped by the host to slog.LevelDebug … slog.LevelError.
const (
	LevelDebug Level = 0
	LevelInfo  Level = 1
	LevelWarn  Level = 2
	LevelError Level = 3
)

// Debug logs msg at [LevelDebug].
func Debug(msg string) { Log(LevelDebug, msg) }

// Info logs msg at [LevelInfo].
func Info(msg string) { Log(LevelInfo, msg) }

// Warn logs msg at [LevelWarn].
func Warn(msg string) { Log(LevelWarn, msg) }

// LogError logs msg at [LevelError]. (It is not called Error because that
// name is the SDK's error type.)
func LogError(msg string) { Log(LevelError, msg) }
