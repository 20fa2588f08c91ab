{{- define "oms.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "oms.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else if contains (include "oms.name" .) .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "oms.name" .) | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "oms.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "oms.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: crypto-oms
{{- end -}}

{{/* Selector labels of one component: (dict "root" $ "component" "api") */}}
{{- define "oms.selector" -}}
app.kubernetes.io/name: {{ include "oms.name" .root }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "oms.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "oms.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "oms.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository .Values.image.tag -}}
{{- end -}}
{{- end -}}

{{- define "oms.secretName" -}}
{{- default (printf "%s-secrets" (include "oms.fullname" .)) .Values.secrets.existingSecret -}}
{{- end -}}

{{/* The Secret of the internal calls' secrets (secrets.internalAuth), or "" when there is none (development only). */}}
{{- define "oms.internalAuthSecretName" -}}
{{- $auth := .Values.secrets.internalAuth -}}
{{- if $auth.existingSecret -}}
{{- $auth.existingSecret -}}
{{- else if $auth.values -}}
{{- printf "%s-internal-auth" (include "oms.fullname" .) -}}
{{- else if eq .Values.omsEnv "production" -}}
{{- fail "secrets.internalAuth: production needs each process's internal-call secret (existingSecret, or values for a try-out; README \"Security\")" -}}
{{- end -}}
{{- end -}}

{{/*
A process's own internal-call secret (INTERNAL_AUTH_SECRETS, key <process>) and, for the risk engine and the venue,
the secrets of the callers they serve (INTERNAL_AUTH_CALLER_SECRETS, key <process>-callers): each Deployment gets
only its own keys, so the order API cannot sign as the worker. (dict "root" $ "name" "api")
*/}}
{{- define "oms.internalAuthEnv" -}}
{{- $secret := include "oms.internalAuthSecretName" .root -}}
{{- if $secret }}
{{- if has .name (list "api" "worker" "risk" "market-data") }}
- name: INTERNAL_AUTH_SECRETS
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: {{ .name }} }
{{- end }}
{{- if has .name (list "risk" "venue") }}
- name: INTERNAL_AUTH_CALLER_SECRETS
  valueFrom:
    secretKeyRef: { name: {{ $secret }}, key: {{ .name }}-callers }
{{- end }}
{{- end }}
{{- end -}}

{{/* The Secret of the Kafka users' passwords (secrets.kafkaUsers). */}}
{{- define "oms.kafkaUsersSecretName" -}}
{{- default (printf "%s-kafka-users" (include "oms.fullname" .)) .Values.secrets.kafkaUsers.existingSecret -}}
{{- end -}}

{{- define "oms.redisUsersSecretName" -}}
{{- default (printf "%s-redis-users" (include "oms.fullname" .)) .Values.secrets.redisUsers.existingSecret -}}
{{- end -}}

{{/*
A process's own user of a server: its name from the users map (`values`, e.g. kafka.users) in `usernameVar`, its
password in `passwordVar` from `secret` under the process's key. Every process of `required` must be named; an empty
map renders nothing, and `fail` (when set) is why production refuses that.
(dict "root" $ "name" "api" "values" "kafka.users" "users" $users "required" (list ...) "secret" "..." "usernameVar" "..." "passwordVar" "..." "fail" "...")
*/}}
{{- define "oms.userEnv" -}}
{{- if .users }}
{{- range $required := .required }}
{{- if not (hasKey $.users $required) }}
{{- fail (printf "%s: %s is missing; every process that uses it needs its own user (%s)" $.values $required (join ", " $.required)) -}}
{{- end }}
{{- end }}
- name: {{ .usernameVar }}
  value: {{ get .users .name | quote }}
- name: {{ .passwordVar }}
  valueFrom:
    secretKeyRef: { name: {{ .secret }}, key: {{ .name }} }
{{- else if .fail }}
{{- fail (printf "%s: %s" .values .fail) -}}
{{- end }}
{{- end -}}

{{/*
A process's own Kafka user (kafka.users, README "Kafka users and ACLs"), its password from secrets.kafkaUsers; for
the create-topics Job (name "admin") also KAFKA_ACL_USERS, the users whose ACLs it keeps. Production with SASL
refuses an empty kafka.users. (dict "root" $ "name" "api")
*/}}
{{- define "oms.kafkaUserEnv" -}}
{{- $users := .root.Values.kafka.users -}}
{{- $production := and (ne (toString .root.Values.kafka.saslMechanism) "") (eq .root.Values.omsEnv "production") -}}
{{- include "oms.userEnv" (dict "name" .name "values" "kafka.users" "users" $users "required" (list "admin" "api" "worker" "risk" "venue" "market-data") "secret" (include "oms.kafkaUsersSecretName" .root) "usernameVar" "KAFKA_SASL_USERNAME" "passwordVar" "KAFKA_SASL_PASSWORD" "fail" (ternary "production with Kafka SASL needs each process's own Kafka user, and secrets.kafkaUsers their passwords (README \"Kafka users and ACLs\")" "" $production)) }}
{{- if and $users (eq .name "admin") }}
- name: KAFKA_ACL_USERS
  value: {{ omit $users "admin" | toJson | quote }}
{{- end }}
{{- end -}}

{{/*
A process's own Redis user (redis.users, README "Redis users"), its password from secrets.redisUsers, for the
processes that use Redis (api, risk, market-data). Production refuses an empty redis.users. (dict "root" $ "name" "api")
*/}}
{{- define "oms.redisUserEnv" -}}
{{- $processes := list "api" "risk" "market-data" -}}
{{- if has .name $processes }}
{{- include "oms.userEnv" (dict "name" .name "values" "redis.users" "users" .root.Values.redis.users "required" $processes "secret" (include "oms.redisUsersSecretName" .root) "usernameVar" "REDIS_USERNAME" "passwordVar" "REDIS_PASSWORD" "fail" (ternary "production needs each process's own Redis user, and secrets.redisUsers their passwords (README \"Redis users\")" "" (eq .root.Values.omsEnv "production"))) }}
{{- end }}
{{- end -}}

{{/* The environment variables that make a process bind its port on the pod network: name -> [port env, host env]. */}}
{{- define "oms.portEnv" -}}
api: [API_PORT, API_HOST]
worker: [WORKER_PORT, WORKER_HOST]
risk: [RISK_PORT, RISK_HOST]
venue: [VENUE_PORT, VENUE_HOST]
market-data: [MARKET_DATA_PORT, MARKET_DATA_HOST]
{{- end -}}

{{/* Who each process calls (workers/*.ts): services of this chart and servers. */}}
{{- define "oms.calls" -}}
api: { services: [risk, market-data], servers: [kafka, mongo, redis, temporal] }
worker: { services: [risk, venue], servers: [kafka, mongo, temporal] }
risk: { services: [venue], servers: [kafka, mongo, redis] }
venue: { services: [], servers: [kafka, mongo] }
market-data: { services: [], servers: [kafka, mongo, redis] }
create-topics: { services: [], servers: [kafka] }
register-search-attributes: { services: [], servers: [temporal] }
build-indexes: { services: [], servers: [mongo] }
seed-demo: { services: [], servers: [kafka, mongo, redis, temporal] }
{{- end -}}

{{- define "oms.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{- define "oms.containerSecurityContext" -}}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
runAsNonRoot: true
capabilities:
  drop: ["ALL"]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* envFrom, mounts and volumes shared by the Deployments and the Jobs. */}}
{{- define "oms.envFrom" -}}
- configMapRef:
    name: {{ include "oms.fullname" . }}-config
- secretRef:
    name: {{ include "oms.secretName" . }}
{{- end -}}

{{- define "oms.volumeMounts" -}}
- name: tmp
  mountPath: /tmp
{{- if .Values.mongo.ca.enabled }}
- name: mongo-ca
  mountPath: /etc/crypto-oms/mongo-ca
  readOnly: true
{{- end }}
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  mountPath: /etc/crypto-oms/temporal-tls
  readOnly: true
{{- end }}
{{- end -}}

{{- define "oms.volumes" -}}
- name: tmp
  emptyDir:
    sizeLimit: 64Mi
{{- if .Values.mongo.ca.enabled }}
- name: mongo-ca
  configMap:
    name: {{ required "mongo.ca.configMapName is required when mongo.ca.enabled" .Values.mongo.ca.configMapName }}
    items:
      - key: {{ .Values.mongo.ca.key }}
        path: ca.pem
{{- end }}
{{- if .Values.temporal.tls.enabled }}
- name: temporal-tls
  secret:
    secretName: {{ required "temporal.tls.existingSecret is required when temporal.tls.enabled" .Values.temporal.tls.existingSecret }}
{{- end }}
{{- end -}}

{{/* Egress rules of a process: DNS, the chart's services it calls and the servers. (dict "root" $ "name" "api") */}}
{{- define "oms.egress" -}}
{{- $root := .root -}}
{{- $calls := get (include "oms.calls" $root | fromYaml) .name -}}
- ports:
    - { protocol: UDP, port: 53 }
    - { protocol: TCP, port: 53 }
{{- range $calls.services }}
{{- $svc := get $root.Values.services . }}
- to:
    - podSelector:
        matchLabels:
          {{- include "oms.selector" (dict "root" $root "component" .) | nindent 10 }}
  ports:
    - { protocol: TCP, port: {{ $svc.port }} }
{{- end }}
{{- range $calls.servers }}
{{- $server := get $root.Values . }}
- ports:
    - { protocol: TCP, port: {{ $server.port }} }
  {{- if $root.Values.local.enabled }}
  to:
    - podSelector:
        matchLabels:
          {{- include "oms.selector" (dict "root" $root "component" (printf "local-%s" .)) | nindent 10 }}
  {{- else if $server.allowTo }}
  to:
    {{- toYaml $server.allowTo | nindent 4 }}
  {{- end }}
{{- end }}
{{- end -}}

{{/* With pre-install hook Jobs, what they read (ConfigMap, Secret, ServiceAccount) must exist before them, so it is a
hook too, of a lower weight. With post-install Jobs (local), it is an ordinary resource of the release. */}}
{{- define "oms.preHookResource" -}}
{{- if eq .Values.jobs.hook "pre" -}}
helm.sh/hook: pre-install,pre-upgrade
helm.sh/hook-weight: "-10"
helm.sh/hook-delete-policy: before-hook-creation
{{- end -}}
{{- end -}}
