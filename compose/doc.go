// Package compose runs multi-container applications from compose files,
// as `docker compose` does, on berth's engine.
//
// Files are loaded by compose-spec's own loader (compose-go): several -f
// files merged, interpolation from the environment and .env, profiles,
// extends and include. A loaded Project is turned into engine calls only:
// networks (<project>_default and the file's own), volumes
// (<project>_<name>), images (built or pulled when missing) and one
// container per replica (<project>-<service>-<n>).
//
// # Labels
//
// Every container carries docker compose's labels, so that a project is
// found from the store alone (Containers) and `berth ps --filter label=`
// works: com.docker.compose.project, .service, .container-number,
// .config-hash (a digest of the service's resolved configuration),
// .project.working_dir, .project.config_files, .oneoff and .image (the
// image ID it was made from). A second `up` with an unchanged file
// changes nothing; a service whose hash changed, or whose image is now
// another (up --build), is recreated, and a dependant only when its own
// did. --force-recreate, --no-recreate and --always-recreate-deps pick
// docker compose's other policies (converge.go).
//
// # Order
//
// up starts services in dependency order (depends_on), waiting for each
// dependency's condition: service_started, service_healthy (the engine's
// health checks) or service_completed_successfully; down stops them in the
// reverse order.
package compose
