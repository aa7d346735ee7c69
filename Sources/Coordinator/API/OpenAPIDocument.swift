import Shared

/// The OpenAPI 3.1 description of the coordinator's HTTP API, served at
/// `GET /openapi.json` (OpenAPIRoutes).
///
/// This literal is the only copy: it is compiled into the binary, so an
/// installed coordinator (`make install` copies binaries alone) serves it
/// from any directory, with no resource file to find and no second copy to
/// keep in step. The ranges that have a constant in WireLimits or RunLimits
/// are interpolated from it (`\#(...)`), so they follow the code; the others
/// are the literals of the validation they describe (docs/limits.md has the
/// table). `OpenAPIDescriptionTests` compares the paths and methods with the
/// router's routes, both ways; `make fuzz-api` runs schemathesis on it.
enum OpenAPIDocument {
    static let json = #"""
{
  "openapi": "3.1.0",
  "info": {
    "title": "gvm coordinator",
    "version": "1",
    "description": "The coordinator's HTTP API (docs/api.md). Ranges are docs/limits.md's; string lengths are bytes of UTF-8 there and characters here, so the coordinator may refuse a string this allows. Tags: worker (the worker protocol), operator (changes runs and datasets), reader (reads). Every route but /healthz needs Authorization: Bearer TOKEN when the coordinator has tokens; the tag is also the role a token needs (operator may call all)."
  },
  "servers": [
    {
      "url": "http://127.0.0.1:8420"
    }
  ],
  "tags": [
    {
      "name": "worker",
      "description": "The worker protocol."
    },
    {
      "name": "operator",
      "description": "Creates and changes datasets and runs."
    },
    {
      "name": "reader",
      "description": "Reads state; changes nothing."
    }
  ],
  "paths": {
    "/openapi.json": {
      "get": {
        "operationId": "getOpenAPI",
        "tags": [
          "reader"
        ],
        "summary": "This description.",
        "responses": {
          "200": {
            "description": "OpenAPI 3.1 description of this API.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        }
      }
    },
    "/healthz": {
      "get": {
        "operationId": "getHealth",
        "tags": [
          "reader"
        ],
        "summary": "Liveness.",
        "responses": {
          "200": {
            "description": "Alive.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "status"
                  ],
                  "properties": {
                    "status": {
                      "type": "string",
                      "enum": [
                        "ok"
                      ]
                    }
                  }
                }
              }
            }
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          }
        },
        "security": []
      }
    },
    "/v1/status": {
      "get": {
        "operationId": "getStatus",
        "tags": [
          "reader"
        ],
        "summary": "Runs, workers and throughput.",
        "responses": {
          "200": {
            "description": "The status.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/StatusReport"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/metrics": {
      "get": {
        "operationId": "getMetrics",
        "tags": [
          "reader"
        ],
        "summary": "Prometheus text exposition.",
        "responses": {
          "200": {
            "description": "Metrics.",
            "content": {
              "text/plain": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/workers": {
      "get": {
        "operationId": "listWorkers",
        "tags": [
          "reader"
        ],
        "summary": "Workers seen.",
        "responses": {
          "200": {
            "description": "Workers.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "workers"
                  ],
                  "properties": {
                    "workers": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/WorkerSummary"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/datasets": {
      "post": {
        "operationId": "importDataset",
        "tags": [
          "operator"
        ],
        "summary": "Import a JSONL prompt set (the body, as is).",
        "parameters": [
          {
            "name": "name",
            "in": "query",
            "required": true,
            "schema": {
              "type": "string",
              "minLength": 1,
              "maxLength": \#(WireLimits.maxNameBytes),
              "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
              "description": "The dataset's name. At most maxLength bytes of UTF-8 (the description counts characters, the coordinator bytes); no NUL, no control characters."
            }
          },
          {
            "name": "problemField",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "The problem's field in each line (default: problem)."
          },
          {
            "name": "answerField",
            "in": "query",
            "required": false,
            "schema": {
              "type": "string"
            },
            "description": "The answer's field in each line (default: answer)."
          },
          {
            "name": "answerFromLastBox",
            "in": "query",
            "required": false,
            "schema": {
              "type": "boolean"
            },
            "description": "Take the gold from the answer's last \\boxed{}."
          }
        ],
        "requestBody": {
          "required": true,
          "description": "JSON Lines: one object per line with the problem and answer fields; at most 512 MiB. A bad line gets 400 naming it (line N).",
          "content": {
            "application/x-ndjson": {
              "schema": {
                "type": "string",
                "maxLength": 536870912
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The same content was already imported under this name.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DatasetSummary"
                }
              }
            }
          },
          "201": {
            "description": "Created.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/DatasetSummary"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      },
      "get": {
        "operationId": "listDatasets",
        "tags": [
          "reader"
        ],
        "summary": "Imported datasets.",
        "responses": {
          "200": {
            "description": "Datasets.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "datasets"
                  ],
                  "properties": {
                    "datasets": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/DatasetSummary"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs": {
      "post": {
        "operationId": "createRun",
        "tags": [
          "operator"
        ],
        "summary": "Create a run.",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/RunConfiguration"
              }
            }
          }
        },
        "responses": {
          "201": {
            "description": "The run.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunSummary"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      },
      "get": {
        "operationId": "listRuns",
        "tags": [
          "reader"
        ],
        "summary": "Every run.",
        "responses": {
          "200": {
            "description": "Runs.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "runs"
                  ],
                  "properties": {
                    "runs": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/RunSummary"
                      }
                    }
                  }
                }
              }
            }
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}": {
      "get": {
        "operationId": "getRun",
        "tags": [
          "reader"
        ],
        "summary": "One run.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The run.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunSummary"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/iterations": {
      "get": {
        "operationId": "listIterations",
        "tags": [
          "reader"
        ],
        "summary": "A run's iterations.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Iterations.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "iterations"
                  ],
                  "properties": {
                    "iterations": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/IterationSummary"
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/iterations/{iteration}": {
      "get": {
        "operationId": "getIteration",
        "tags": [
          "reader"
        ],
        "summary": "One iteration.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          },
          {
            "name": "iteration",
            "in": "path",
            "required": true,
            "description": "The iteration, from 0.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The iteration.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/IterationSummary"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/iterations/{iteration}/wait": {
      "get": {
        "operationId": "waitForIteration",
        "tags": [
          "reader"
        ],
        "summary": "Held until the iteration is done, the run is cancelled, or timeoutSeconds pass.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          },
          {
            "name": "iteration",
            "in": "path",
            "required": true,
            "description": "The iteration, from 0.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          },
          {
            "name": "timeoutSeconds",
            "in": "query",
            "required": false,
            "schema": {
              "type": "number",
              "minimum": 0,
              "maximum": 20,
              "default": 20
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Whether it is done.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/WaitAnswer"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/iterations/{iteration}/prompts": {
      "get": {
        "operationId": "listIterationPrompts",
        "tags": [
          "reader"
        ],
        "summary": "Per-prompt records of one iteration.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          },
          {
            "name": "iteration",
            "in": "path",
            "required": true,
            "description": "The iteration, from 0.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Records.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "prompts"
                  ],
                  "properties": {
                    "prompts": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/PromptIterationRecord"
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/prompts/{promptId}/history": {
      "get": {
        "operationId": "getPromptHistory",
        "tags": [
          "reader"
        ],
        "summary": "One prompt's records over the iterations.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          },
          {
            "name": "promptId",
            "in": "path",
            "required": true,
            "description": "The prompt's position in the dataset, from 0.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "Records.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "history"
                  ],
                  "properties": {
                    "history": {
                      "type": "array",
                      "items": {
                        "$ref": "#/components/schemas/PromptIterationRecord"
                      }
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/iterations/{iteration}/allocation": {
      "get": {
        "operationId": "exportAllocation",
        "tags": [
          "reader"
        ],
        "summary": "The iteration's allocation over the whole dataset, streamed.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          },
          {
            "name": "iteration",
            "in": "path",
            "required": true,
            "description": "The iteration, from 0.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The allocation.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/AllocationExport"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/iterations/{iteration}/traces": {
      "get": {
        "operationId": "exportTraces",
        "tags": [
          "reader"
        ],
        "summary": "The iteration's traces as JSON Lines, streamed in (stage, prompt, sample index) order.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          },
          {
            "name": "iteration",
            "in": "path",
            "required": true,
            "description": "The iteration, from 0.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          },
          {
            "name": "stage",
            "in": "query",
            "required": false,
            "schema": {
              "$ref": "#/components/schemas/SamplingStage"
            }
          }
        ],
        "responses": {
          "200": {
            "description": "One trace per line.",
            "content": {
              "application/x-ndjson": {
                "schema": {
                  "type": "string"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/weights/{version}": {
      "get": {
        "operationId": "getWeights",
        "tags": [
          "worker"
        ],
        "summary": "A built-in run's weights file of one version.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          },
          {
            "name": "version",
            "in": "path",
            "required": true,
            "description": "A model version of the run, \"0\" first.",
            "schema": {
              "type": "string",
              "minLength": 1
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The weights file.",
            "headers": {
              "X-Gvm-Weights-SHA256": {
                "schema": {
                  "type": "string",
                  "pattern": "^[0-9a-f]{64}$"
                }
              }
            },
            "content": {
              "application/octet-stream": {
                "schema": {
                  "type": "string",
                  "format": "binary"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/pause": {
      "post": {
        "operationId": "pauseRun",
        "tags": [
          "operator"
        ],
        "summary": "Hand out no new leases; 409 unless active or waiting.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The run.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunSummary"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/resume": {
      "post": {
        "operationId": "resumeRun",
        "tags": [
          "operator"
        ],
        "summary": "Resume a paused run; 409 unless paused.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The run.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunSummary"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/cancel": {
      "post": {
        "operationId": "cancelRun",
        "tags": [
          "operator"
        ],
        "summary": "Cancel the run; 409 if already cancelled or completed.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The run.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunSummary"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/runs/{runId}/advance": {
      "post": {
        "operationId": "advanceRun",
        "tags": [
          "operator"
        ],
        "summary": "Start the next iteration of an advance: manual run with a new model version; 409 unless waiting.",
        "parameters": [
          {
            "name": "runId",
            "in": "path",
            "required": true,
            "description": "The run's id.",
            "schema": {
              "type": "integer",
              "minimum": 0,
              "maximum": 9223372036854775807
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/AdvanceRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The run.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/RunSummary"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/leases": {
      "post": {
        "operationId": "requestLeases",
        "tags": [
          "worker"
        ],
        "summary": "Ask for work.",
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/LeaseRequest"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Zero or more leases.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/LeaseGrant"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/leases/{leaseId}/heartbeat": {
      "post": {
        "operationId": "heartbeatLease",
        "tags": [
          "worker"
        ],
        "summary": "Extend a lease.",
        "parameters": [
          {
            "name": "leaseId",
            "in": "path",
            "required": true,
            "description": "The lease's id, as granted.",
            "schema": {
              "type": "string",
              "minLength": 1
            }
          }
        ],
        "responses": {
          "200": {
            "description": "The new expiry.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "expiresAt"
                  ],
                  "properties": {
                    "expiresAt": {
                      "type": "string",
                      "format": "date-time"
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/leases/{leaseId}/result": {
      "post": {
        "operationId": "submitResult",
        "tags": [
          "worker"
        ],
        "summary": "Return a lease's samples.",
        "parameters": [
          {
            "name": "leaseId",
            "in": "path",
            "required": true,
            "description": "The lease's id, as granted.",
            "schema": {
              "type": "string",
              "minLength": 1
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/LeaseResult"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "The receipt; a repeat of the same result gets it again with duplicate true.",
            "content": {
              "application/json": {
                "schema": {
                  "$ref": "#/components/schemas/SubmissionReceipt"
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    },
    "/v1/leases/{leaseId}/release": {
      "post": {
        "operationId": "releaseLease",
        "tags": [
          "worker"
        ],
        "summary": "Give a lease back unfinished.",
        "parameters": [
          {
            "name": "leaseId",
            "in": "path",
            "required": true,
            "description": "The lease's id, as granted.",
            "schema": {
              "type": "string",
              "minLength": 1
            }
          }
        ],
        "requestBody": {
          "required": true,
          "content": {
            "application/json": {
              "schema": {
                "$ref": "#/components/schemas/LeaseRelease"
              }
            }
          }
        },
        "responses": {
          "200": {
            "description": "Released.",
            "content": {
              "application/json": {
                "schema": {
                  "type": "object",
                  "required": [
                    "released"
                  ],
                  "properties": {
                    "released": {
                      "type": "boolean",
                      "enum": [
                        true
                      ]
                    }
                  }
                }
              }
            }
          },
          "400": {
            "$ref": "#/components/responses/BadRequest"
          },
          "401": {
            "$ref": "#/components/responses/Unauthenticated"
          },
          "403": {
            "$ref": "#/components/responses/Forbidden"
          },
          "404": {
            "$ref": "#/components/responses/NotFound"
          },
          "409": {
            "$ref": "#/components/responses/Conflict"
          },
          "413": {
            "$ref": "#/components/responses/TooLarge"
          },
          "415": {
            "$ref": "#/components/responses/UnsupportedMediaType"
          },
          "500": {
            "$ref": "#/components/responses/InternalError"
          },
          "503": {
            "$ref": "#/components/responses/StorageUnavailable"
          }
        }
      }
    }
  },
  "components": {
    "schemas": {
      "ErrorBody": {
        "type": "object",
        "required": [
          "error"
        ],
        "additionalProperties": false,
        "description": "Every error answer.",
        "properties": {
          "error": {
            "type": "object",
            "required": [
              "status",
              "message"
            ],
            "additionalProperties": false,
            "properties": {
              "status": {
                "type": "integer",
                "description": "The HTTP status again."
              },
              "field": {
                "type": "string",
                "description": "The field to blame, when there is one (\"input\" for malformed JSON, \"body\" for framing, \"line N\" for a dataset line)."
              },
              "message": {
                "type": "string"
              }
            }
          }
        }
      },
      "RunState": {
        "type": "string",
        "enum": [
          "active",
          "waiting",
          "paused",
          "cancelled",
          "completed"
        ]
      },
      "IterationStage": {
        "type": "string",
        "enum": [
          "presample",
          "allocate",
          "sample",
          "train",
          "evaluate",
          "done"
        ]
      },
      "SamplingStage": {
        "type": "string",
        "enum": [
          "presample",
          "sample"
        ]
      },
      "ChatMessage": {
        "type": "object",
        "required": [
          "role",
          "content"
        ],
        "properties": {
          "role": {
            "type": "string",
            "enum": [
              "system",
              "user",
              "assistant"
            ]
          },
          "content": {
            "type": "string",
            "maxLength": \#(RunLimits.maxTemplateBytes),
            "pattern": "^[^\\u0000]*$",
            "description": "At most maxLength bytes of UTF-8; no NUL. `{problem}` is replaced by the problem."
          }
        }
      },
      "PromptTemplate": {
        "type": "object",
        "description": "Exactly one of messages (chat) or completion; one of them must contain `{problem}`.",
        "properties": {
          "messages": {
            "type": "array",
            "minItems": 1,
            "maxItems": \#(RunLimits.maxPromptMessages),
            "items": {
              "$ref": "#/components/schemas/ChatMessage"
            }
          },
          "completion": {
            "type": "string",
            "maxLength": \#(RunLimits.maxTemplateBytes),
            "pattern": "^[^\\u0000]*$",
            "description": "At most maxLength bytes of UTF-8; no NUL; contains `{problem}`."
          }
        }
      },
      "GenerationParameters": {
        "type": "object",
        "properties": {
          "maxTokens": {
            "type": "integer",
            "minimum": 1,
            "maximum": \#(RunLimits.maxTokensPerSample),
            "default": 2048
          },
          "temperature": {
            "type": "number",
            "minimum": 0,
            "default": 1.0
          },
          "topP": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1,
            "default": 1.0
          },
          "stop": {
            "type": "array",
            "maxItems": \#(RunLimits.maxStopStrings),
            "default": [],
            "items": {
              "type": "string",
              "minLength": 1,
              "maxLength": \#(RunLimits.maxStopBytes),
              "pattern": "^[^\\u0000]*$",
              "description": "At most maxLength bytes of UTF-8; no NUL."
            }
          },
          "extra": {
            "type": "object",
            "additionalProperties": true,
            "description": "Engine fields copied into each inference request as given (top_k, min_p, grammar...)."
          }
        }
      },
      "BuiltinTraining": {
        "type": "object",
        "required": [
          "weights",
          "testDataset"
        ],
        "additionalProperties": false,
        "description": "A run on the built-in model, which the coordinator trains itself. Unknown fields are refused.",
        "properties": {
          "weights": {
            "type": "string",
            "minLength": 1,
            "description": "The version-0 weights file, a path on the coordinator's machine."
          },
          "testDataset": {
            "type": "string",
            "minLength": 1
          },
          "testPrompts": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "default": 0
          },
          "stepsPerIteration": {
            "type": "integer",
            "minimum": 1,
            "maximum": 100000,
            "description": "Not with epochsPerIteration; 8 when neither is given."
          },
          "epochsPerIteration": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1000
          },
          "batchSize": {
            "type": "integer",
            "minimum": 1,
            "maximum": 4096,
            "default": 32
          },
          "learningRate": {
            "type": "number",
            "exclusiveMinimum": 0,
            "exclusiveMaximum": 1,
            "default": 0.0001
          },
          "clip": {
            "type": "number",
            "exclusiveMinimum": 0,
            "exclusiveMaximum": 1,
            "default": 0.2
          },
          "maxGradNorm": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 1
          },
          "gradNormGroup": {
            "type": "string",
            "enum": [
              "embedding",
              "head",
              "all"
            ],
            "default": "embedding"
          },
          "balancePrompts": {
            "type": "boolean",
            "default": false
          },
          "trainingFraction": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1,
            "default": 1,
            "description": "The share of each prompt's samples the trainer keeps, a random subset; 1 keeps all. A benchmark control."
          }
        }
      },
      "RunConfiguration": {
        "type": "object",
        "required": [
          "dataset",
          "model",
          "promptsPerIteration"
        ],
        "additionalProperties": false,
        "description": "The run configuration (docs/configuration.md); docs/limits.md has the ranges. Unknown fields are refused, naming the field. An iteration may need at most RunLimits.maxWorkUnitsPerIteration (1,000,000) work units: promptsPerIteration x ceil(presamples/maxSamplesPerLease) + ceil(promptsPerIteration x samplesPerPrompt / maxSamplesPerLease) + promptsPerIteration.",
        "properties": {
          "dataset": {
            "type": "string",
            "minLength": 1,
            "maxLength": \#(WireLimits.maxNameBytes),
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
            "description": "An imported dataset's name. At most maxLength bytes of UTF-8 (the description counts characters, the coordinator bytes); no NUL, no control characters."
          },
          "model": {
            "type": "string",
            "minLength": 1,
            "maxLength": \#(WireLimits.maxNameBytes),
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
            "description": "Only workers serving this model get the run's leases. At most maxLength bytes of UTF-8 (the description counts characters, the coordinator bytes); no NUL, no control characters."
          },
          "modelVersion": {
            "type": "string",
            "minLength": 1,
            "maxLength": \#(WireLimits.maxNameBytes),
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
            "description": "Recorded with every trace; \"0\" for built-in runs. At most maxLength bytes of UTF-8 (the description counts characters, the coordinator bytes); no NUL, no control characters.",
            "default": "0"
          },
          "strategy": {
            "type": "string",
            "enum": [
              "gvm",
              "uniform",
              "knapsack",
              "variance"
            ],
            "default": "gvm",
            "description": "knapsack and variance read p_i and G_i from the history (docs/allocation-strategies.md)."
          },
          "algorithm": {
            "type": "string",
            "enum": [
              "raft",
              "grpo"
            ],
            "default": "raft"
          },
          "presamples": {
            "type": "integer",
            "minimum": 0,
            "maximum": \#(RunLimits.maxSamplesPerPrompt),
            "default": 8,
            "description": "N'; at least 1 for gvm."
          },
          "samplesPerPrompt": {
            "type": "integer",
            "minimum": 1,
            "maximum": \#(RunLimits.maxSamplesPerPrompt),
            "default": 8
          },
          "alpha": {
            "type": "number",
            "minimum": 0,
            "default": 0.001
          },
          "beta": {
            "type": "number",
            "minimum": 1,
            "default": 2
          },
          "filterThreshold": {
            "type": "number",
            "minimum": 0,
            "default": 0
          },
          "filterInsufficient": {
            "type": "number",
            "minimum": 0,
            "default": 0
          },
          "gradNormStatistic": {
            "type": "string",
            "enum": [
              "mean",
              "rms"
            ],
            "default": "mean"
          },
          "promptsPerIteration": {
            "type": "integer",
            "minimum": 1,
            "maximum": \#(RunLimits.maxPromptsPerIteration),
            "description": "At most the dataset's prompts."
          },
          "iterations": {
            "type": "integer",
            "minimum": 1,
            "maximum": \#(RunLimits.maxIterations),
            "default": 1
          },
          "maxSamplesPerLease": {
            "type": "integer",
            "minimum": 1,
            "maximum": 9223372036854775807,
            "default": 8
          },
          "maxSamplesPerPrompt": {
            "type": "integer",
            "minimum": 0,
            "maximum": 1000000,
            "default": 0,
            "description": "C; 0 means no cap."
          },
          "presampleAccounting": {
            "type": "string",
            "enum": [
              "separate",
              "countTowardBudget"
            ],
            "default": "separate"
          },
          "trainOnPresamples": {
            "type": "boolean",
            "default": false
          },
          "prompt": {
            "$ref": "#/components/schemas/PromptTemplate"
          },
          "generation": {
            "$ref": "#/components/schemas/GenerationParameters"
          },
          "verifier": {
            "type": "string",
            "enum": [
              "math"
            ],
            "default": "math"
          },
          "gradNorm": {
            "type": "string",
            "enum": [
              "constant",
              "logit-proxy",
              "url",
              "exact"
            ],
            "default": "constant"
          },
          "gradNormURL": {
            "type": "string",
            "maxLength": 2048,
            "pattern": "^[Hh][Tt][Tt][Pp][Ss]?://[^\\u0000]+$",
            "description": "http:// or https://; required with gradNorm url and refused otherwise."
          },
          "advance": {
            "type": "string",
            "enum": [
              "auto",
              "manual"
            ],
            "default": "auto"
          },
          "seed": {
            "type": "integer",
            "minimum": -9223372036854775808,
            "maximum": 9223372036854775807,
            "default": 0,
            "description": "Fixes the prompt batches, the trainer's minibatches and, without samplerSeed, the lease seeds."
          },
          "samplerSeed": {
            "type": "integer",
            "minimum": -9223372036854775808,
            "maximum": 9223372036854775807,
            "description": "The seed of the lease seeds alone; absent, they come from seed. Same seed, other samplerSeed: the same prompts, other samples."
          },
          "leaseSeconds": {
            "type": "number",
            "minimum": 1,
            "maximum": \#(RunLimits.maxLeaseSeconds),
            "default": 300
          },
          "maxAttemptsPerUnit": {
            "type": "integer",
            "minimum": 0,
            "maximum": \#(RunLimits.maxAttemptsPerUnit),
            "default": 5,
            "description": "0 means unlimited."
          },
          "builtin": {
            "$ref": "#/components/schemas/BuiltinTraining"
          },
          "history": {
            "$ref": "#/components/schemas/HistoryParameters"
          },
          "knapsackFloor": {
            "type": "integer",
            "minimum": 1,
            "description": "knapsack only; resolved to 2 when absent."
          },
          "rounds": {
            "$ref": "#/components/schemas/SampleRounds"
          }
        }
      },
      "SampleRounds": {
        "type": "object",
        "additionalProperties": false,
        "description": "Sample until enough: each prompt's sample stage in rounds of size, at most its n_i, stopping once it has acceptedTarget accepted samples (raft) or correctTarget correct and wrongTarget wrong ones (grpo). The other algorithm's targets are refused; not with countTowardBudget.",
        "properties": {
          "size": {
            "type": "integer",
            "minimum": 1,
            "default": 4,
            "description": "At most maxSamplesPerLease: a round is one lease."
          },
          "acceptedTarget": {
            "type": "integer",
            "minimum": 1,
            "default": 4
          },
          "correctTarget": {
            "type": "integer",
            "minimum": 1,
            "default": 2
          },
          "wrongTarget": {
            "type": "integer",
            "minimum": 1,
            "default": 2
          }
        }
      },
      "HistoryParameters": {
        "type": "object",
        "additionalProperties": false,
        "description": "How p_i and G_i come from each prompt's earlier samples. Absent for the paper's gvm; knapsack and variance resolve it to these defaults; uniform refuses it.",
        "properties": {
          "decay": {
            "type": "number",
            "exclusiveMinimum": 0,
            "maximum": 1,
            "default": 0.9
          },
          "priorStrength": {
            "type": "number",
            "exclusiveMinimum": 0,
            "default": 2
          },
          "sigmaMax": {
            "type": "number",
            "minimum": 0,
            "default": 0.15
          },
          "historyWindow": {
            "type": "integer",
            "minimum": 1,
            "maximum": 1000,
            "default": 2
          },
          "solvedMinSamples": {
            "type": "integer",
            "minimum": 1,
            "default": 8
          },
          "hopelessMinSamples": {
            "type": "integer",
            "minimum": 1,
            "default": 8
          }
        }
      },
      "PromptHistoryRecord": {
        "type": "object",
        "description": "The history's estimate that the allocation used.",
        "properties": {
          "posteriorA": {
            "type": "number"
          },
          "posteriorB": {
            "type": "number"
          },
          "acceptRateEstimate": {
            "type": "number"
          },
          "gradNormEstimate": {
            "type": "number"
          },
          "flag": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "solved",
              "hopeless",
              null
            ]
          }
        }
      },
      "Summary": {
        "type": "object",
        "required": [
          "min",
          "median",
          "max",
          "mean"
        ],
        "properties": {
          "min": {
            "type": "number"
          },
          "median": {
            "type": "number"
          },
          "max": {
            "type": "number"
          },
          "mean": {
            "type": "number"
          }
        }
      },
      "AllocationSummary": {
        "type": "object",
        "required": [
          "min",
          "median",
          "max",
          "promptsAtZero",
          "fellBackToUniform"
        ],
        "properties": {
          "min": {
            "type": "integer"
          },
          "median": {
            "type": "number"
          },
          "max": {
            "type": "integer"
          },
          "promptsAtZero": {
            "type": "integer"
          },
          "fellBackToUniform": {
            "type": "boolean"
          }
        }
      },
      "RunSummary": {
        "type": "object",
        "required": [
          "runId",
          "state",
          "iteration",
          "stage",
          "modelVersion",
          "gvmVersion",
          "createdAt",
          "orderVersion",
          "configuration"
        ],
        "properties": {
          "runId": {
            "type": "integer"
          },
          "state": {
            "$ref": "#/components/schemas/RunState"
          },
          "iteration": {
            "type": "integer"
          },
          "stage": {
            "$ref": "#/components/schemas/IterationStage"
          },
          "modelVersion": {
            "type": "string"
          },
          "gvmVersion": {
            "type": "string"
          },
          "createdAt": {
            "type": "string",
            "format": "date-time"
          },
          "orderVersion": {
            "type": "integer",
            "enum": [
              0,
              1
            ]
          },
          "configuration": {
            "type": "object",
            "description": "The run configuration as stored, defaults filled in."
          }
        }
      },
      "IterationSummary": {
        "type": "object",
        "required": [
          "iteration",
          "stage",
          "modelVersion",
          "promptCount",
          "budget",
          "unallocated",
          "fellBackToUniform",
          "startedAt",
          "samplesGenerated",
          "samplesAccepted",
          "samplesFailed"
        ],
        "properties": {
          "iteration": {
            "type": "integer"
          },
          "stage": {
            "$ref": "#/components/schemas/IterationStage"
          },
          "modelVersion": {
            "type": "string"
          },
          "promptCount": {
            "type": "integer"
          },
          "budget": {
            "type": "integer"
          },
          "unallocated": {
            "type": "integer"
          },
          "generationBudget": {
            "type": "integer"
          },
          "presampleBudget": {
            "type": "integer",
            "description": "The pre-samples the iteration draws in all."
          },
          "unspent": {
            "type": [
              "integer",
              "null"
            ],
            "description": "Runs in rounds: what the prompts that stopped early left of their n_i."
          },
          "fellBackToUniform": {
            "type": "boolean"
          },
          "fallbackReason": {
            "type": "string"
          },
          "startedAt": {
            "type": "string",
            "format": "date-time"
          },
          "finishedAt": {
            "type": "string",
            "format": "date-time"
          },
          "samplesGenerated": {
            "type": "integer"
          },
          "samplesAccepted": {
            "type": "integer"
          },
          "samplesFailed": {
            "type": "integer"
          },
          "acceptance": {
            "$ref": "#/components/schemas/Summary"
          },
          "allocation": {
            "$ref": "#/components/schemas/AllocationSummary"
          },
          "training": {
            "type": "object"
          },
          "evaluationBefore": {
            "type": "object"
          },
          "evaluationAfter": {
            "type": "object"
          }
        }
      },
      "WorkerSummary": {
        "type": "object",
        "required": [
          "name",
          "model",
          "firstSeen",
          "lastSeen",
          "activeLeases",
          "samplesSubmitted",
          "samplesPerSecond",
          "releases"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "model": {
            "type": "string"
          },
          "firstSeen": {
            "type": "string",
            "format": "date-time"
          },
          "lastSeen": {
            "type": "string",
            "format": "date-time"
          },
          "activeLeases": {
            "type": "integer"
          },
          "samplesSubmitted": {
            "type": "integer"
          },
          "samplesPerSecond": {
            "type": "number"
          },
          "releases": {
            "type": "object",
            "properties": {
              "byKind": {
                "type": "object",
                "additionalProperties": {
                  "type": "integer"
                }
              },
              "lastReason": {
                "type": "string"
              }
            }
          }
        }
      },
      "StatusReport": {
        "type": "object",
        "required": [
          "gvmVersion",
          "time",
          "runs",
          "workers",
          "throughput"
        ],
        "properties": {
          "gvmVersion": {
            "type": "string"
          },
          "time": {
            "type": "string",
            "format": "date-time"
          },
          "runs": {
            "type": "array",
            "items": {
              "type": "object",
              "required": [
                "runId",
                "state",
                "iteration",
                "iterations",
                "stage"
              ],
              "properties": {
                "runId": {
                  "type": "integer"
                },
                "state": {
                  "$ref": "#/components/schemas/RunState"
                },
                "iteration": {
                  "type": "integer"
                },
                "iterations": {
                  "type": "integer"
                },
                "stage": {
                  "$ref": "#/components/schemas/IterationStage"
                },
                "history": {
                  "type": "object",
                  "description": "Runs with history statistics: the current iteration's prompts, whether each was pre-sampled, and its estimate.",
                  "properties": {
                    "presampledPrompts": {
                      "type": "integer"
                    },
                    "solvedPrompts": {
                      "type": "integer"
                    },
                    "hopelessPrompts": {
                      "type": "integer"
                    },
                    "prompts": {
                      "type": "array",
                      "items": {
                        "type": "object",
                        "properties": {
                          "promptId": {
                            "type": "integer"
                          },
                          "presampleCount": {
                            "type": "integer"
                          },
                          "presampled": {
                            "type": "boolean"
                          },
                          "estimate": {
                            "$ref": "#/components/schemas/PromptHistoryRecord"
                          }
                        }
                      }
                    }
                  }
                }
              }
            }
          },
          "workers": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/WorkerSummary"
            }
          },
          "throughput": {
            "type": "object",
            "required": [
              "windowSeconds",
              "samplesPerSecond",
              "tokensPerSecond"
            ],
            "properties": {
              "windowSeconds": {
                "type": "number"
              },
              "samplesPerSecond": {
                "type": "number"
              },
              "tokensPerSecond": {
                "type": "number"
              }
            }
          }
        }
      },
      "DatasetSummary": {
        "type": "object",
        "required": [
          "name",
          "contentHash",
          "promptCount",
          "importedAt",
          "created"
        ],
        "properties": {
          "name": {
            "type": "string"
          },
          "contentHash": {
            "type": "string",
            "pattern": "^sha256:[0-9a-f]{64}$"
          },
          "promptCount": {
            "type": "integer",
            "minimum": 0
          },
          "importedAt": {
            "type": "string",
            "format": "date-time"
          },
          "created": {
            "type": "boolean"
          }
        }
      },
      "PromptStageRecord": {
        "type": "object",
        "required": [
          "samples",
          "accepted",
          "gradNormSum",
          "gradNormSquareSum"
        ],
        "properties": {
          "samples": {
            "type": "integer"
          },
          "accepted": {
            "type": "integer"
          },
          "gradNormSum": {
            "type": "number"
          },
          "gradNormSquareSum": {
            "type": "number"
          }
        }
      },
      "PromptIterationRecord": {
        "type": "object",
        "required": [
          "iteration",
          "batchIndex",
          "promptId",
          "presample",
          "sample"
        ],
        "properties": {
          "iteration": {
            "type": "integer"
          },
          "batchIndex": {
            "type": "integer"
          },
          "promptId": {
            "type": "integer"
          },
          "level": {
            "type": [
              "integer",
              "null"
            ]
          },
          "presampleCount": {
            "type": "integer"
          },
          "presampled": {
            "type": "boolean"
          },
          "roundStop": {
            "type": [
              "string",
              "null"
            ],
            "enum": [
              "enough",
              "cap",
              "failed",
              null
            ]
          },
          "unspent": {
            "type": [
              "integer",
              "null"
            ]
          },
          "history": {
            "oneOf": [
              {
                "$ref": "#/components/schemas/PromptHistoryRecord"
              },
              {
                "type": "null"
              }
            ]
          },
          "presample": {
            "$ref": "#/components/schemas/PromptStageRecord"
          },
          "sample": {
            "$ref": "#/components/schemas/PromptStageRecord"
          },
          "acceptRate": {
            "type": [
              "number",
              "null"
            ]
          },
          "meanGradNorm": {
            "type": [
              "number",
              "null"
            ]
          },
          "rmsGradNorm": {
            "type": [
              "number",
              "null"
            ]
          },
          "allocatedCount": {
            "type": [
              "integer",
              "null"
            ]
          },
          "allocatedRatio": {
            "type": [
              "number",
              "null"
            ]
          },
          "failedUnits": {
            "type": "array",
            "items": {
              "type": "object"
            }
          },
          "releases": {
            "type": "array",
            "items": {
              "type": "object"
            }
          }
        }
      },
      "WaitAnswer": {
        "type": "object",
        "required": [
          "done",
          "state"
        ],
        "properties": {
          "done": {
            "type": "boolean"
          },
          "state": {
            "$ref": "#/components/schemas/RunState"
          },
          "iteration": {
            "$ref": "#/components/schemas/IterationSummary"
          }
        }
      },
      "AllocationExport": {
        "type": "object",
        "required": [
          "counts",
          "ratios",
          "budget",
          "unallocated",
          "generationBudget"
        ],
        "description": "Indexed by dataset position; 0 for prompts outside the iteration. Runs with history statistics add posteriorA, posteriorB and gradNormEstimates, null outside the iteration.",
        "properties": {
          "presampleCounts": {
            "type": "array",
            "items": {
              "type": "integer",
              "minimum": 0
            }
          },
          "posteriorA": {
            "type": "array",
            "items": {
              "type": [
                "number",
                "null"
              ]
            }
          },
          "posteriorB": {
            "type": "array",
            "items": {
              "type": [
                "number",
                "null"
              ]
            }
          },
          "gradNormEstimates": {
            "type": "array",
            "items": {
              "type": [
                "number",
                "null"
              ]
            }
          },
          "unspentCounts": {
            "type": "array",
            "description": "Runs in rounds.",
            "items": {
              "type": "integer",
              "minimum": 0
            }
          },
          "unspent": {
            "type": "integer",
            "description": "Runs in rounds."
          },
          "counts": {
            "type": "array",
            "items": {
              "type": "integer",
              "minimum": 0
            }
          },
          "ratios": {
            "type": "array",
            "items": {
              "type": "number"
            }
          },
          "budget": {
            "type": "integer"
          },
          "unallocated": {
            "type": "integer"
          },
          "generationBudget": {
            "type": [
              "integer",
              "null"
            ]
          }
        }
      },
      "LeaseRequest": {
        "type": "object",
        "required": [
          "workerName",
          "model",
          "capacity"
        ],
        "properties": {
          "workerName": {
            "type": "string",
            "minLength": 1,
            "maxLength": \#(WireLimits.maxNameBytes),
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
            "description": "The worker's name. At most maxLength bytes of UTF-8 (the description counts characters, the coordinator bytes); no NUL, no control characters."
          },
          "model": {
            "type": "string",
            "minLength": 1,
            "maxLength": \#(WireLimits.maxNameBytes),
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
            "description": "The model the worker's engine serves. At most maxLength bytes of UTF-8 (the description counts characters, the coordinator bytes); no NUL, no control characters."
          },
          "capacity": {
            "type": "integer",
            "minimum": 1,
            "maximum": \#(WireLimits.maxCapacity),
            "description": "Samples the worker can take on now."
          }
        }
      },
      "Lease": {
        "type": "object",
        "required": [
          "leaseId",
          "runId",
          "iteration",
          "stage",
          "promptId",
          "firstSampleIndex",
          "sampleCount",
          "prompt",
          "gold",
          "generation",
          "model",
          "modelVersion",
          "seed",
          "expiresAt",
          "algorithm",
          "verifier",
          "gradNorm"
        ],
        "properties": {
          "leaseId": {
            "type": "string"
          },
          "runId": {
            "type": "integer"
          },
          "iteration": {
            "type": "integer"
          },
          "stage": {
            "$ref": "#/components/schemas/SamplingStage"
          },
          "promptId": {
            "type": "integer"
          },
          "firstSampleIndex": {
            "type": "integer"
          },
          "sampleCount": {
            "type": "integer",
            "minimum": 1
          },
          "prompt": {
            "type": "object",
            "properties": {
              "messages": {
                "type": "array",
                "items": {
                  "$ref": "#/components/schemas/ChatMessage"
                }
              },
              "text": {
                "type": "string"
              }
            }
          },
          "gold": {
            "type": "string"
          },
          "generation": {
            "$ref": "#/components/schemas/GenerationParameters"
          },
          "model": {
            "type": "string"
          },
          "modelVersion": {
            "type": "string"
          },
          "seed": {
            "type": "integer"
          },
          "expiresAt": {
            "type": "string",
            "format": "date-time"
          },
          "algorithm": {
            "type": "string",
            "enum": [
              "raft",
              "grpo"
            ]
          },
          "verifier": {
            "type": "string",
            "enum": [
              "math"
            ]
          },
          "gradNorm": {
            "type": "string",
            "enum": [
              "constant",
              "logit-proxy",
              "url",
              "exact"
            ]
          },
          "gradNormURL": {
            "type": "string"
          },
          "builtin": {
            "type": "object",
            "required": [
              "weightsPath",
              "weightsSHA256",
              "gradNormGroup"
            ],
            "properties": {
              "weightsPath": {
                "type": "string"
              },
              "weightsSHA256": {
                "type": "string",
                "pattern": "^[0-9a-f]{64}$"
              },
              "gradNormGroup": {
                "type": "string",
                "enum": [
                  "embedding",
                  "head",
                  "all"
                ]
              }
            }
          }
        }
      },
      "LeaseGrant": {
        "type": "object",
        "required": [
          "leases"
        ],
        "properties": {
          "leases": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/Lease"
            }
          },
          "retryAfterSeconds": {
            "type": "number",
            "description": "Present when no work was granted."
          }
        }
      },
      "SampleResult": {
        "type": "object",
        "required": [
          "sampleIndex",
          "response",
          "reward",
          "completionTokens",
          "finishReason"
        ],
        "properties": {
          "sampleIndex": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "description": "Inside the lease's firstSampleIndex..<firstSampleIndex+sampleCount, each once."
          },
          "response": {
            "type": "string",
            "maxLength": \#(WireLimits.maxResponseBytes),
            "pattern": "^[^\\u0000]*$",
            "description": "At most maxLength bytes of UTF-8; no NUL."
          },
          "reward": {
            "type": "number",
            "minimum": \#(-WireLimits.maxReward),
            "maximum": \#(WireLimits.maxReward),
            "description": "> 0 is accepted."
          },
          "gradNorm": {
            "type": "number",
            "minimum": 0,
            "maximum": \#(WireLimits.maxGradNorm),
            "description": "Required for an accepted sample."
          },
          "completionTokens": {
            "type": "integer",
            "minimum": 0,
            "maximum": \#(WireLimits.maxTokens)
          },
          "finishReason": {
            "type": "string",
            "enum": [
              "stop",
              "length"
            ]
          },
          "tokenLogprobs": {
            "type": "array",
            "maxItems": \#(WireLimits.maxLogprobs),
            "items": {
              "type": "number",
              "minimum": \#(WireLimits.logprobRange.lowerBound),
              "maximum": \#(WireLimits.logprobRange.upperBound)
            }
          }
        }
      },
      "LeaseResult": {
        "type": "object",
        "required": [
          "generated",
          "samples"
        ],
        "properties": {
          "generated": {
            "type": "integer",
            "minimum": 0,
            "maximum": 9223372036854775807,
            "description": "Exactly the lease's sampleCount."
          },
          "generatedTokens": {
            "type": "integer",
            "minimum": 0,
            "maximum": \#(WireLimits.maxTokens)
          },
          "samples": {
            "type": "array",
            "items": {
              "$ref": "#/components/schemas/SampleResult"
            },
            "description": "At most the lease's sampleCount (all of them for grpo)."
          }
        }
      },
      "SubmissionReceipt": {
        "type": "object",
        "required": [
          "leaseId",
          "recordedSamples",
          "acceptedSamples",
          "duplicate"
        ],
        "properties": {
          "leaseId": {
            "type": "string"
          },
          "recordedSamples": {
            "type": "integer"
          },
          "acceptedSamples": {
            "type": "integer"
          },
          "duplicate": {
            "type": "boolean"
          }
        }
      },
      "LeaseRelease": {
        "type": "object",
        "required": [
          "reason"
        ],
        "properties": {
          "reason": {
            "type": "string",
            "maxLength": \#(WireLimits.maxReasonBytes),
            "pattern": "^[^\\u0000]*$",
            "description": "At most maxLength bytes of UTF-8; no NUL."
          },
          "kind": {
            "type": "string",
            "enum": [
              "shutdown",
              "engine-error",
              "timeout",
              "version-unavailable",
              "invalid-prompt",
              "other"
            ],
            "default": "other",
            "description": "shutdown and version-unavailable do not use an attempt."
          }
        }
      },
      "AdvanceRequest": {
        "type": "object",
        "required": [
          "modelVersion"
        ],
        "properties": {
          "modelVersion": {
            "type": "string",
            "minLength": 1,
            "maxLength": \#(WireLimits.maxNameBytes),
            "pattern": "^[^\\u0000-\\u001f\\u007f-\\u009f]+$",
            "description": "The new model version the next iteration samples with. At most maxLength bytes of UTF-8 (the description counts characters, the coordinator bytes); no NUL, no control characters."
          }
        }
      }
    },
    "responses": {
      "BadRequest": {
        "description": "Malformed JSON (field input) or HTTP framing (field body), a missing or mistyped field, or a value out of its range; the field is named.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorBody"
            }
          }
        }
      },
      "NotFound": {
        "description": "The run, iteration, lease or weights version does not exist.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorBody"
            }
          }
        }
      },
      "Conflict": {
        "description": "The request contradicts the state (lease re-issued, released or completed; run paused, cancelled or completed; iteration not done; dataset name taken).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorBody"
            }
          }
        }
      },
      "TooLarge": {
        "description": "The body is larger than 32 MiB (JSON) or 512 MiB (datasets).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorBody"
            }
          }
        }
      },
      "InternalError": {
        "description": "Anything unexpected: internal error (id ...), with the whole error in the coordinator's log.",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorBody"
            }
          }
        }
      },
      "StorageUnavailable": {
        "description": "The coordinator cannot store the write now: its disk is full or its database reached maxDatabaseMiB (nothing was stored), or its storage failed with an I/O error (the write may or may not have been stored; a repeated result is answered as a duplicate).",
        "headers": {
          "Retry-After": {
            "schema": {
              "type": "integer"
            },
            "description": "Seconds until trying again."
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorBody"
            }
          }
        }
      },
      "Unauthenticated": {
        "description": "No valid bearer token (tokens are configured). The body names neither the token nor its hash.",
        "headers": {
          "WWW-Authenticate": {
            "schema": {
              "type": "string",
              "const": "Bearer"
            }
          }
        },
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorBody"
            }
          }
        }
      },
      "Forbidden": {
        "description": "The token's role does not allow this route, the lease belongs to another identity, or the Host is not one the coordinator answers to (field Host).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorBody"
            }
          }
        }
      },
      "UnsupportedMediaType": {
        "description": "A POST body that is not application/json (application/x-ndjson also for POST /v1/datasets), or a bodyless POST with another Content-Type (field Content-Type).",
        "content": {
          "application/json": {
            "schema": {
              "$ref": "#/components/schemas/ErrorBody"
            }
          }
        }
      }
    },
    "securitySchemes": {
      "bearer": {
        "type": "http",
        "scheme": "bearer",
        "description": "A token from the coordinator's tokens file (docs/operations.md, \"Access control\"). Without a tokens file the coordinator takes no credential, and listens on loopback only unless started with --insecure-no-auth."
      }
    }
  },
  "security": [
    {
      "bearer": []
    }
  ]
}
"""#
}
