{{/* Names and labels. */}}
{{- define "snowops.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "snowops.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "snowops.labels" -}}
{{ include "snowops.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The Secret holding SNOWOPS_SECRET_KEY and the platform secrets. */}}
{{- define "snowops.secretName" -}}
{{- .Values.secret.existingSecret | default (include "snowops.fullname" .) -}}
{{- end -}}

{{/* The bundled Redis's Service name (charts/redis uses the same). */}}
{{- define "snowops.redisName" -}}
{{- printf "%s-redis" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The store is Redis: several replicas share it. */}}
{{- define "snowops.checkStore" -}}
{{- if and (not .Values.redis.enabled) (not .Values.store.url) (not .Values.secret.existingSecret) -}}
{{- fail "set store.url (rediss://…) or redis.enabled=true: several replicas need Redis, SQLite serves one process" -}}
{{- end -}}
{{- if and .Values.store.url (hasPrefix "redis://" .Values.store.url) -}}
{{- fail "store.url: use rediss:// (TLS); SnowOps refuses plaintext redis:// to a host that is not loopback" -}}
{{- end -}}
{{- end -}}
